"""API permissions: signed in, and a read-only token never writes."""

from rest_framework import permissions

from .models import ApiToken


class PortalAccess(permissions.BasePermission):
    """The person's own rights decide (partners.access); a token may only narrow them."""

    message = "This token is read-only: create a read-write token to make changes."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        token = request.auth
        if request.method in permissions.SAFE_METHODS:
            return True
        return not isinstance(token, ApiToken) or token.scope == ApiToken.Scope.WRITE
