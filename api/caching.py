"""JSON list responses kept in the shared cache under the portal's data version.

A list response depends on the request (path, query, format, host), on whose eyes read it
(`partners.access.visibility_key`: the same key sees the same rows), on the day (filters such
as "overdue" count from today), on the code that built it (csp_portal.code_version) and on
the data. The data is the data version
(`platform_ops.data_version`), read before anything else, so a response is never served once
anything in the portal's data has changed. Authentication, permission and throttling run as
for any request before the cache is asked. Where there is no data version (SQLite), nothing is
cached.
"""

from __future__ import annotations

from django.db import router
from django.http import HttpResponse

from csp_portal import shared_cache
from partners import access
from platform_ops import data_version
from platform_ops.models import DataChange

TIMEOUT = 60 * 10  # the version decides freshness; this only bounds what the cache holds


def response_key(request) -> str | None:
    """The cache key of this GET's JSON response, or None if it must not be cached.

    Call it before reading anything the response shows: the version must not be newer than
    the data (see platform_ops.data_version).
    """
    if request.method != "GET" or getattr(request.accepted_renderer, "format", "") != "json":
        return None
    version = data_version.for_this_request(router.db_for_read(DataChange))
    if version is None:
        return None
    access.load_roles(request.user, version)
    return shared_cache.key(
        "api-response",
        version,
        access.visibility_key(request.user),
        request.accepted_media_type,
        request.build_absolute_uri(),
    )


def cached_response(key: str) -> HttpResponse | None:
    found = shared_cache.get(key)
    if found is None:
        return None
    content_type, content = found
    return HttpResponse(content, content_type=content_type)


def keep(response, key: str) -> None:
    """Store the response once rendered, if it succeeded."""

    def store(rendered) -> None:
        if rendered.status_code == 200:
            shared_cache.set(key, (rendered["Content-Type"], rendered.content), TIMEOUT)

    response.add_post_render_callback(store)
