from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def demo_skip_needs_debug(app_configs, **kwargs):
    """OTP_DEMO_SKIP is ignored with DEBUG off; say so, so nobody believes the demo people skip it in production."""
    if not settings.DEBUG and settings.OTP_DEMO_SKIP:
        return [
            Warning(
                "OTP_DEMO_SKIP is on but DEBUG is off: it is ignored, and every person who must have a second "
                "factor is asked for one.",
                hint="Unset OTP_DEMO_SKIP in production.",
                id="agencies.W001",
            )
        ]
    return []
