"""Lock-out after repeated failed authentications (log-in passwords, password confirmations, API keys).

Failures are rows in the database (`AuthFailure`), so the lock holds across processes and
keeps working while the cache is down.  A key is locked while it has `limit` failures within
the last `window` seconds; attempts made while locked are refused without being checked or
counted, so a lock ends `window` seconds after the failure that set it.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import AuthFailure
from common.network import client_address as network_client_address

SCOPES = ("user", "ip", "token")


def _limits(scope: str) -> tuple[int, int]:
    limit, window = settings.AUTH_LOCKOUT[scope]
    return int(limit), int(window)


def _key(value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), value.strip().lower().encode(), hashlib.sha256).hexdigest()


def client_address(request: HttpRequest | Any | None) -> str:
    """The client's address as the throttles see it (X-Forwarded-For only through NUM_PROXIES)."""
    if request is None:
        return ""
    return network_client_address(request)


def auth_lockout_wait(*, scope: str, value: str) -> int:
    """Seconds until `value` may try again in `scope`; 0 when it is not locked."""
    if not value:
        return 0
    limit, window = _limits(scope)
    now = timezone.now()
    recent = list(
        AuthFailure.objects.filter(scope=scope, key=_key(value), at__gt=now - timedelta(seconds=window))
        .order_by("-at")
        .values_list("at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return 0
    return max(1, int((recent[-1] + timedelta(seconds=window) - now).total_seconds()) + 1)


def auth_failure_record(*, scope: str, value: str) -> None:
    """Count one failure (and forget this key's failures that fell out of the window)."""
    if not value:
        return
    _limit, window = _limits(scope)
    key = _key(value)
    now = timezone.now()
    AuthFailure.objects.filter(scope=scope, key=key, at__lte=now - timedelta(seconds=window)).delete()
    AuthFailure.objects.create(scope=scope, key=key, at=now)


def auth_failures_clear(*, scope: str, value: str) -> None:
    """A success: the earlier failures of this key no longer count."""
    if value:
        AuthFailure.objects.filter(scope=scope, key=_key(value)).delete()
