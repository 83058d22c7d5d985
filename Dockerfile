# The production image: gunicorn serves the app, whitenoise its static files; the same image runs the
# Celery worker and beat (docker-compose.yml chooses the command).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint draws the evidence-pack PDFs with Pango and HarfBuzz.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 portal
WORKDIR /app

# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml ./
RUN pip install .

COPY --chown=portal:portal . .
# Collect static files with production settings so whitenoise gets its hashed manifest.
# The key here only satisfies the settings check during the build; it is never used at run time.
RUN DEBUG=off SECRET_KEY=build-time-only-not-a-secret-0123456789abcdefghijklmnop \
    ALLOWED_HOSTS=build python manage.py collectstatic --noinput \
 && mkdir -p /app/var/media /app/var/log && chown -R portal:portal /app/var

USER portal
EXPOSE 8000
CMD ["gunicorn", "neglect_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--timeout", "60", "--access-logfile", "-"]
