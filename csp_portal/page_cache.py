"""Whole pages that many people see alike, kept until anything in the portal's data changes.

A page is rendered once with slots where the only per-person pieces go (the signed-in name,
the CSRF token, the seconds before idle sign-out) and kept in the shared cache under a key of
the data version (platform_ops.data_version), the code's version, the day, the host, the path
with its query and whatever the view says shapes the page for its reader (the audience: for
the dashboard, every role the reader holds). Each request fills the slots with its own values.
The view still makes its access check; a page with messages waiting for the reader is never
cached or served from the cache. Where there is no data version (SQLite), nothing is cached.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable
from typing import Any

from django.contrib.messages import get_messages
from django.db import router
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.html import conditional_escape

from partners import access
from platform_ops import data_version
from platform_ops.models import DataChange

from . import idle_session, shared_cache
from .code_version import CODE_VERSION

TIMEOUT = 60 * 10  # the version decides freshness; this only bounds what the cache holds
ACCOUNT = "csp-page-slot-account-7d41e"
CSRF = "csp-page-slot-csrf-7d41e"
SECONDS = "csp-page-slot-seconds-7d41e"
SLOTS = re.compile(b"(" + b"|".join(re.escape(s.encode()) for s in (ACCOUNT, CSRF, SECONDS)) + b")")


def version_now(request: HttpRequest) -> str | None:
    """The data version, read before the view reads anything its page shows; None if the
    page must not be cached (no version, or messages waiting for this reader)."""
    if request.method != "GET" or len(get_messages(request)):
        return None
    return data_version.current(router.db_for_read(DataChange))


def key_for(request: HttpRequest, version: str, page: str, *audience: object) -> str:
    parts = [
        version,
        CODE_VERSION,
        timezone.localdate().isoformat(),
        request.get_host(),
        request.get_full_path(),
        page,
        access.roles_key(request.user),
        *map(str, audience),
    ]
    return "page:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def slots(request: HttpRequest) -> dict:
    """Template context that renders the per-person pieces as slots."""
    context = {"csrf_token": CSRF, "account_name": ACCOUNT}
    timeout = idle_session.session_timeout(request).get("session_timeout")
    if timeout:
        context["session_timeout"] = {**timeout, "seconds_remaining": SECONDS}
    return context


def respond(
    request: HttpRequest,
    page: str,
    build: Callable[[dict], tuple[HttpResponse, Any]],
    *audience: object,
    allowed: Callable[[Any], bool] | None = None,
) -> HttpResponse:
    """The page from the cache, or built by `build(context)` and kept.

    `build` renders the page with `context` added to its own (the slots) and returns the
    response and a note kept with it; `allowed(note)` is the view's access check on a page
    served from the cache (a 404 if it fails). The key holds the reader's roles and whatever
    else `audience` names.
    """
    version = version_now(request)  # before any read the page shows
    if version is None:
        return build({})[0]
    access.load_roles(request.user, version)
    key = key_for(request, version, page, *audience)
    found = shared_cache.get(key, unpack=_unpack)
    if found is not None:
        note, parts = found
        if allowed is not None and not allowed(note):
            raise Http404("Not yours to see")
        return serve(parts, request)
    response, note = build(slots(request))
    if hasattr(response, "render"):
        response.render()
    if response.status_code != 200 or response.streaming:
        return response
    parts = SLOTS.split(response.content)
    shared_cache.set(key, (note, parts), TIMEOUT, pack=_pack)
    return serve(parts, request)


def _pack(value: tuple[Any, list[bytes]]) -> tuple[Any, bytes]:
    """Compressed for the shared cache: a national dashboard is most of a megabyte."""
    note, parts = value
    return note, zlib.compress(b"".join(parts), 1)


def _unpack(value: tuple[Any, bytes]) -> tuple[Any, list[bytes]]:
    note, packed = value
    return note, SLOTS.split(zlib.decompress(packed))


def serve(parts: list[bytes], request: HttpRequest) -> HttpResponse:
    """The page with this reader's own pieces in its slots."""

    def name() -> str:
        user = request.user
        return str(conditional_escape(user.get_full_name() or user.get_username()))

    fill = {
        ACCOUNT.encode(): name,
        CSRF.encode(): lambda: get_token(request),
        SECONDS.encode(): lambda: str(idle_session.seconds_remaining(request)),
    }
    values: dict[bytes, bytes] = {}
    out = []
    for part in parts:
        if part in fill:
            if part not in values:
                values[part] = fill[part]().encode()
            part = values[part]
        out.append(part)
    return HttpResponse(b"".join(out))
