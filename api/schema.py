"""OpenAPI generation: every operation documents the errors it can answer."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter


class PortalAutoSchema(AutoSchema):
    def get_override_parameters(self):
        params = list(super().get_override_parameters())
        if self.method in ("PUT", "PATCH"):
            params.append(
                OpenApiParameter(
                    "If-Match",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    required=True,
                    description="The ETag from your last GET of this object.",
                )
            )
        return params

    COMMON = {
        "401": "Not signed in: send `Authorization: Bearer <token>`.",
        "403": "Not allowed for your role or token.",
        "429": "Too many requests for this token; see the Retry-After header.",
    }

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        error = {
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "additionalProperties": True,
                        "description": ("`detail` for the whole request, or messages per field."),
                    }
                }
            }
        }
        extra = dict(self.COMMON)
        if self.method in ("GET", "PUT", "PATCH", "DELETE") and "{" in self.path:
            extra["404"] = "Not found, or not visible to you."
        elif self._is_list_view():
            extra["404"] = "No such page of results."
        if self.method in ("POST", "PUT", "PATCH") or self._is_list_view():
            extra["400"] = "Invalid input or filter: a message per field."
        if self.method in ("PUT", "PATCH"):
            extra["412"] = "If-Match does not match the current ETag: read again, then retry."
            extra["428"] = "If-Match header missing."
        for code, description in extra.items():
            responses.setdefault(code, {"description": description, **error})
        return responses


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from 'Your API tokens': `Authorization: Bearer csp_…`.",
        }
