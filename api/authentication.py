"""`Authorization: Bearer csp_<prefix>_<secret>` for partner systems."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import authentication, exceptions

from .models import ApiToken


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
        token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
        if token is None or not token.matches(secret):
            raise exceptions.AuthenticationFailed("Unknown token.")
        if token.revoked_at:
            raise exceptions.AuthenticationFailed("This token has been revoked.")
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed("This token has expired.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("This token's account is disabled.")
        # Recorded at most once a minute, so reads do not each cost a write.
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
