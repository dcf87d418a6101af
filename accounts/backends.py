"""Password authentication with lock-out (for the site log-in, the admin log-in and any other caller)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accounts.lockout import auth_failure_record, auth_failures_clear, auth_lockout_wait, client_address


def lockout_wait(*, request: HttpRequest | None, username: str) -> int:
    """Seconds before this user name (or this client address) may try a password again."""
    return max(
        auth_lockout_wait(scope="user", value=username),
        auth_lockout_wait(scope="ip", value=client_address(request)),
    )


class LockoutModelBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        if lockout_wait(request=request, username=username):
            raise PermissionDenied("too many failed attempts")  # no backend is tried; user_login_failed is sent
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            auth_failure_record(scope="user", value=username)
            auth_failure_record(scope="ip", value=client_address(request))
        else:
            auth_failures_clear(scope="user", value=username)
        return user
