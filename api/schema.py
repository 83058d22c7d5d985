"""drf-spectacular: the key's security scheme, and the schema's shared pieces."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An API key from the partnership analyst, sent as `Authorization: Bearer np_...`. An agency key acts "
                "as that agency's lead; a reader key reads only."
            ),
        }
