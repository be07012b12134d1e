"""Whole pages that many people see alike, kept until anything in the portal's data changes.

A page is rendered once with slots where the only per-person pieces go (the signed-in name,
the CSRF token, the seconds before idle sign-out) and kept in the shared cache under a key of
the data version (platform_ops.data_version), the code's version, the day, the host, the path
with its query and whatever the view says shapes the page for its reader (the audience: for
the dashboard, every role the reader holds). Each request fills the slots with its own values.
The view still makes its access check; a page with messages waiting for the reader is never
cached or served from the cache. Where there is no data version (SQLite), nothing is cached.

A reader whose browser accepts it gets the page deflated (a national dashboard is 800 KB of
HTML, about 60 KB deflated) at no cost per request: each fixed part is deflated once, on its
own, when the page is kept, and each request deflates only its own slot values and splices the
pieces into one stream (csp_portal.deflate). The secrets in the slots share no compression
context with anything else on the page, so the length of a response says nothing about them
(the BREACH attack needs a secret and reflected input compressed together).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.messages import get_messages
from django.db import router
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_vary_headers
from django.utils.html import conditional_escape

from partners import access
from platform_ops import data_version
from platform_ops.models import DataChange

from . import deflate, idle_session, shared_cache

TIMEOUT = 60 * 10  # the version decides freshness; this only bounds what the cache holds
ACCOUNT = "csp-page-slot-account-7d41e"
CSRF = "csp-page-slot-csrf-7d41e"
SECONDS = "csp-page-slot-seconds-7d41e"
SLOTS = re.compile(b"(" + b"|".join(re.escape(s.encode()) for s in (ACCOUNT, CSRF, SECONDS)) + b")")
ACCEPTS_DEFLATE = re.compile(r"\bdeflate\b")


@dataclass(frozen=True)
class KeptPage:
    """A page split at its slots: fixed parts at even places, slot names at odd places, and
    each fixed part also deflated on its own (`deflated[i]` for `parts[2 * i]`)."""

    note: Any
    parts: list[bytes]
    deflated: list[deflate.Piece]

    @classmethod
    def from_content(cls, note: Any, content: bytes) -> KeptPage:
        parts = SLOTS.split(content)
        return cls(note, parts, [deflate.Piece.of(p) for p in parts[::2]])

    def memo_size(self) -> int:
        """Bytes held, for the bound on this process's copy (csp_portal.shared_cache)."""
        return sum(map(len, self.parts)) + sum(len(piece.data) for piece in self.deflated)


def version_now(request: HttpRequest) -> str | None:
    """The data version, read before the view reads anything its page shows; None if the
    page must not be cached (no version, or messages waiting for this reader)."""
    if request.method != "GET" or len(get_messages(request)):
        return None
    return data_version.for_this_request(router.db_for_read(DataChange))


def key_for(request: HttpRequest, version: str, page: str, *audience: object) -> str:
    return shared_cache.key(
        "page",
        version,
        request.get_host(),
        request.get_full_path(),
        page,
        access.roles_key(request.user),
        *audience,
    )


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
        if allowed is not None and not allowed(found.note):
            raise Http404("Not yours to see")
        return serve(found, request)
    response, note = build(slots(request))
    if hasattr(response, "render"):
        response.render()
    if response.status_code != 200 or response.streaming:
        return response
    kept = KeptPage.from_content(note, response.content)
    shared_cache.set(key, kept, TIMEOUT, pack=_pack)
    return serve(kept, request)


def _pack(kept: KeptPage) -> tuple[Any, list[bytes], list[bytes]]:
    """For the shared cache: the deflated fixed parts (a national dashboard is most of a
    megabyte) and the slot names."""
    return kept.note, [piece.data for piece in kept.deflated], kept.parts[1::2]


def _unpack(value: tuple[Any, list[bytes], list[bytes]]) -> KeptPage:
    note, deflated, names = value
    fixed = [deflate.inflate(data) for data in deflated]
    parts = [part for pair in zip(fixed, [*names, None], strict=True) for part in pair][:-1]
    pieces = [deflate.Piece.of(p, data) for p, data in zip(fixed, deflated, strict=True)]
    return KeptPage(note, parts, pieces)


def serve(kept: KeptPage, request: HttpRequest) -> HttpResponse:
    """The page with this reader's own pieces in its slots, deflated if the browser asks."""

    def name() -> str:
        return str(conditional_escape(request.user.display_name))

    fill = {
        ACCOUNT.encode(): name,
        CSRF.encode(): lambda: get_token(request),
        SECONDS.encode(): lambda: str(idle_session.seconds_remaining(request)),
    }
    values: dict[bytes, bytes] = {}
    for slot in kept.parts[1::2]:
        if slot not in values:
            values[slot] = fill[slot]().encode()
    if not ACCEPTS_DEFLATE.search(request.headers.get("accept-encoding", "")):
        response = HttpResponse(
            b"".join(values.get(part, part) if i % 2 else part for i, part in enumerate(kept.parts))
        )
    else:
        own = {slot: deflate.Piece.of(value) for slot, value in values.items()}
        pieces = [
            own[part] if i % 2 else kept.deflated[i // 2] for i, part in enumerate(kept.parts)
        ]
        response = HttpResponse(deflate.stream(pieces))
        response["Content-Encoding"] = "deflate"
    patch_vary_headers(response, ("Accept-Encoding",))
    return response
