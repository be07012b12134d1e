"""Sign-in lockout (django-axes): who the client is, and the page a locked-out person sees.

Axes counts failures per username *and* address, so one person guessing cannot lock out a whole
council office that shares one public address.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str:
    """The client's address: from X-Forwarded-For only behind a proxy we trust to set it.

    Our proxy appends the address it saw to X-Forwarded-For, so with TRUSTED_PROXY_COUNT proxies
    the client is that many entries from the right; anything further left is client-supplied.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [p for p in forwarded if p]
    if len(forwarded) < count:
        return remote
    return forwarded[-count]


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """A GOV.UK page saying why sign-in is refused and when to try again (HTTP 429)."""
    return render(
        request,
        "registration/locked_out.html",
        {
            "cooloff_minutes": settings.LOCKOUT_COOLOFF_MINUTES,
            "failure_limit": settings.AXES_FAILURE_LIMIT,
        },
        status=429,
    )
