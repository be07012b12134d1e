"""Signed-in sessions end after SESSION_IDLE_MINUTES without a request.

The middleware keeps the time of the person's last request in the session (written at most once
per SESSION_ACTIVITY_RESOLUTION seconds, so a busy reader does not cost a write per page) and
signs them out on the first request after the idle limit. A signed-out person who asked for a
page that needs sign-in is sent to the sign-in page, which returns them to it afterwards.

static/js/session-timeout.js warns two minutes before the end; it asks `session_status`
(which does not count as activity) and `session_keep_alive` (which does).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

LAST_ACTIVITY_KEY = "_csp_last_activity"


def idle_seconds_allowed() -> int:
    """The idle limit in seconds, from settings."""
    return int(settings.SESSION_IDLE_MINUTES * 60)


def seconds_remaining(request: HttpRequest, now: float | None = None) -> int:
    """Seconds until this person's session ends if they do nothing more."""
    now = time.time() if now is None else now
    last = request.session.get(LAST_ACTIVITY_KEY, now)
    return max(0, int(last + idle_seconds_allowed() - now))


def record_activity(request: HttpRequest, now: float | None = None) -> None:
    """Note that the person is active now."""
    request.session[LAST_ACTIVITY_KEY] = time.time() if now is None else now


def start_idle_clock(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """On sign-in: start the clock in the session being saved anyway, sparing a later write."""
    if request is not None and hasattr(request, "session"):
        record_activity(request)


def _is_passive(request: HttpRequest) -> bool:
    """Requests made by the warning script itself must not keep the session alive."""
    return request.path == reverse("session_status")


class IdleSessionMiddleware:
    """Sign out people idle for longer than the limit; note the activity of everyone else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        """Expire an idle session, or refresh the activity time when it is due."""
        now = time.time()
        last = request.session.get(LAST_ACTIVITY_KEY)
        if last is not None and now - last > idle_seconds_allowed():
            logout(request)
            messages.info(
                request,
                f"You were signed out because you did nothing for "
                f"{settings.SESSION_IDLE_MINUTES} minutes. Sign in again to carry on.",
            )
            return
        if _is_passive(request):
            return
        if last is None or now - last >= settings.SESSION_ACTIVITY_RESOLUTION:
            record_activity(request, now)


def _status(request: HttpRequest) -> JsonResponse:
    """The state the warning script needs, as JSON."""
    signed_in = request.user.is_authenticated
    return JsonResponse(
        {
            "signed_in": signed_in,
            "seconds_remaining": seconds_remaining(request) if signed_in else 0,
        }
    )


@never_cache
@require_GET
def session_status(request: HttpRequest) -> JsonResponse:
    """How long the session has left; asking does not extend it."""
    return _status(request)


@never_cache
@require_POST
def session_keep_alive(request: HttpRequest) -> JsonResponse:
    """The "Stay signed in" button: counts as activity and restarts the idle clock."""
    if request.user.is_authenticated:
        record_activity(request)
    return _status(request)


def session_timeout(request: HttpRequest) -> dict:
    """Context processor: what base.html gives the warning script for signed-in people."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {
        "session_timeout": {
            "seconds_remaining": seconds_remaining(request),
            "warn_seconds": settings.SESSION_IDLE_WARNING_SECONDS,
            "status_url": reverse("session_status"),
            "keep_alive_url": reverse("session_keep_alive"),
            "sign_in_url": reverse("login"),
            "minutes": settings.SESSION_IDLE_MINUTES,
        }
    }
