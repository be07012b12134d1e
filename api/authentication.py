"""`Authorization: Bearer csp_<prefix>_<secret>` for partner systems.

The token row and its person are read once per data version in each process, as the signed-in
person is (partners/backends.py): issuing, revoking or deleting a token, or any change to its
person, moves the version, so a kept copy is never older than the request's own reading. Only
last_used_at is not tracked; each process records a token's use at most once a minute.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import router
from django.utils import timezone
from rest_framework import authentication, exceptions

from csp_portal import shared_cache
from platform_ops import data_version

from .models import ApiToken

USE_RECORDED_EVERY = dt.timedelta(minutes=1)
_use_recorded: dict[int, dt.datetime] = {}  # token id -> last write of last_used_at here


def find_token(prefix: str) -> ApiToken | None:
    """The token with this prefix, its person attached; None if there is none."""
    using = router.db_for_read(ApiToken)
    version = data_version.for_this_request(using)

    def read() -> ApiToken | None:
        return ApiToken.objects.using(using).select_related("user").filter(prefix=prefix).first()

    if version is None:
        return read()
    key = f"apitoken:{version}:{prefix}"
    held = shared_cache.memo.get(key)
    if held is None:
        token = read()
        if token is not None:  # misses are not kept: guessed prefixes would fill the memory
            shared_cache.memo.put(
                key, (shared_cache.freeze(token), shared_cache.freeze(token.user))
            )
        return token
    token = shared_cache.thaw(ApiToken, using, held[0])
    token.user = shared_cache.thaw(get_user_model(), using, held[1])
    return token


def record_use(token: ApiToken, now: dt.datetime) -> None:
    """Note the token's use, at most once a minute: reads must not each cost a write."""
    last = max(filter(None, [token.last_used_at, _use_recorded.get(token.pk)]), default=None)
    if last is None or now - last > USE_RECORDED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        _use_recorded[token.pk] = now


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Give the token after 'Bearer' with no spaces in it."
            )
        parts = header[1].split("_", 2)
        if len(parts) != 3 or parts[0] != "csp":
            raise exceptions.AuthenticationFailed("That is not a CSP Portal token.")
        _, prefix, secret = parts
        token = find_token(prefix)
        if token is None or not token.matches(secret):
            raise exceptions.AuthenticationFailed("Unknown token.")
        if token.revoked_at:
            raise exceptions.AuthenticationFailed("This token has been revoked.")
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed("This token has expired.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("This token's account is disabled.")
        record_use(token, timezone.now())
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
