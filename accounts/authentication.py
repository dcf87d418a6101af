"""`Authorization: Bearer dxp_<prefix>_<secret>` (or `Token ...`) for the API."""

from __future__ import annotations

import hmac
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts.lockout import auth_failure_record, auth_lockout_wait, client_address
from accounts.models import ApiToken
from accounts.services import hash_key


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if len(header) != 2 or header[0].lower() not in self.keywords:
            return None
        return self.authenticate_key(request, header[1])

    def authenticate_key(self, request: Request, key: str) -> tuple[User, ApiToken]:
        """The user of an API key `dxp_<prefix>_<secret>` (also used by the xAPI Basic scheme)."""
        address = client_address(request)
        wait = auth_lockout_wait(scope="token", value=address)
        if wait:
            raise exceptions.Throttled(wait, detail="Too many invalid API keys from this address.")
        parts = key.split("_", 2)  # the secret itself may contain "_"
        if len(parts) != 3 or parts[0] != "dxp":
            auth_failure_record(scope="token", value=address)
            raise exceptions.AuthenticationFailed("Malformed API token.")
        token = ApiToken.objects.select_related("user").filter(prefix=parts[1], revoked_at__isnull=True).first()
        if token is None or not hmac.compare_digest(token.key_hash, hash_key(key)) or not token.user.is_active:
            auth_failure_record(scope="token", value=address)
            raise exceptions.AuthenticationFailed("Invalid or revoked API token.")
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"


def _schema_extension() -> Any:
    from drf_spectacular.extensions import OpenApiAuthenticationExtension

    class ApiTokenScheme(OpenApiAuthenticationExtension):
        target_class = "accounts.authentication.ApiTokenAuthentication"
        name = "ApiToken"

        def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
            return {"type": "http", "scheme": "bearer", "description": "dxp_<prefix>_<secret>"}

    return ApiTokenScheme


ApiTokenScheme = _schema_extension()
