"""The composition root's own pages: the home page for each role, and /healthz."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe
from kombu import Connection

from actionplans.summary.selectors import dashboard_panel
from agencies import access
from agencies.models import Role
from dataset.reading import rendering as dataset_rendering
from dataset.reading import selectors as dataset_selectors
from dataset.reading.views import DatasetFilter

from . import homes

log = logging.getLogger(__name__)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Each role's task list: what this person does next (neglect_portal/homes.py puts the apps' parts together)."""
    user, today = request.user, timezone.localdate()
    if user.role == Role.AGENCY_LEAD and user.agency_id:
        return render(request, "home/lead.html", homes.lead_home(user=user, today=today))
    if access.can_manage(user):
        return render(request, "home/analyst.html", homes.analyst_home(user=user, today=today))
    if access.can_read_all(user):
        return render(request, "home/reader.html", homes.reader_home(user=user, today=today))
    # Admins, and leads not yet linked to an agency, see what they can do next.
    return render(request, "home/no_scope.html")


@require_safe
def partnership_dashboard(request: HttpRequest) -> HttpResponse:
    """The published dataset at a glance (the analyst sees the latest build); one click from every reader's home."""
    user = request.user
    if not access.can_read_all(user):
        raise Http404("No dashboard for this account")
    snapshot = dataset_selectors.snapshot_for(user=user)
    context: dict = {
        "snapshot": snapshot,
        "failure": dataset_selectors.latest_failure(user=user),
        "can_manage": access.can_manage(user),
        "can_see_tracker": access.can_read_all(user),
    }
    if snapshot is not None:
        filters = DatasetFilter(request.GET, agencies=dataset_selectors.agencies_of(snapshot))
        filters.fields["agency"].choices = [("", "Any agency"), *filters.fields["agency"].choices[1:]]
        chosen = filters.cleaned_data if filters.is_valid() else {"objective": "", "agency": ""}
        board = dataset_selectors.dashboard(snapshot=snapshot, objective=chosen["objective"], agency=chosen["agency"])
        for panel in board["panels"]:
            panel.rows_html = dataset_rendering.dashboard_rows(panel.indicators, snapshot_pk=snapshot.pk)
        context.update(board, filters=filters, low_themes=sum(1 for t in board["themes"] if t.severity == 1))
        # Each count links to the dataset page filtered to what it counts (the template adds objective and kind).
        context.update(dataset_url=reverse("dataset:dataset"), snapshot_pk=str(snapshot.pk))
    context["action_panel"] = dashboard_panel(user=user, today=timezone.localdate())
    return render(request, "home/dashboard.html", context)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any failure is "not ok": the reason goes to the log, never to the caller
        log.exception("healthz: database check failed")
        return False
    finally:
        if threading.current_thread() is not threading.main_thread():
            connection.close()  # the check's own thread: its connection goes with it


def _broker_status() -> str:
    if not settings.CELERY_BROKER_URL:
        return "eager"
    timeout = settings.REDIS_CONNECT_TIMEOUT
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            connect_timeout=timeout,
            transport_options={k: v for k, v in settings.CELERY_BROKER_TRANSPORT_OPTIONS.items() if "timeout" in k},
        ) as conn:
            conn.ensure_connection(max_retries=0, timeout=timeout)
            # Connecting is not answering: a broker that accepts and then says nothing fails here, on the read timeout.
            conn.default_channel.client.ping()
        return "ok"
    except Exception:
        log.exception("healthz: broker check failed")
        return "down"


# A few threads per check at most: a check hung from earlier probes answers "down" at once beyond that, so probes of
# a hung service never pile up threads (each thread ends on its own socket timeout).
HEALTHZ_THREADS_PER_CHECK = 4
_running: dict[str, list[threading.Thread]] = {}
_running_lock = threading.Lock()


def _within(name: str, check: Callable[[], str], results: dict[str, str]) -> threading.Thread | None:
    with _running_lock:
        alive = _running[name] = [t for t in _running.get(name, []) if t.is_alive()]
        if len(alive) >= HEALTHZ_THREADS_PER_CHECK:
            log.warning("healthz: the %s check is still hung from earlier probes", name)
            return None

        def run() -> None:
            results[name] = check()

        thread = threading.Thread(target=run, name=f"healthz-{name}", daemon=True)
        alive.append(thread)
    thread.start()
    return thread


def health(timeout: float | None = None) -> dict[str, str]:
    """Each service's state, every check in its own thread with one deadline for all: whatever hangs, this answers
    within `timeout` seconds (settings.HEALTHZ_TIMEOUT), and a check that has not answered by then is "down"."""
    timeout = settings.HEALTHZ_TIMEOUT if timeout is None else timeout
    results: dict[str, str] = {}
    checks = {"database": lambda: "ok" if _database_ok() else "down", "broker": _broker_status}
    threads = {name: _within(name, check, results) for name, check in checks.items()}
    deadline = time.monotonic() + timeout
    for thread in threads.values():
        if thread is not None:
            thread.join(max(0.0, deadline - time.monotonic()))
    # A copy, with "down" for each check not done: a late answer must not change what was already reported.
    return {name: dict(results).get(name, "down") for name in checks}


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    states = health()
    healthy = states["database"] == "ok" and states["broker"] in {"ok", "eager"}
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **states},
        status=200 if healthy else 503,
    )


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form came back without its security token (the page was open too long, or cookies are
    blocked). Say so in plain words, and how to send it again without losing what was typed. Django's reason is
    for the log, not the reader."""
    log.warning("CSRF failure on %s: %s", request.path, reason)
    return render(request, "403_csrf.html", status=403)
