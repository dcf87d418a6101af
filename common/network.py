"""The client's address, for lock-outs and throttles.

`X-Forwarded-For` is a header any client can send.  It is trusted only when `NUM_PROXIES` says how
many reverse proxies of ours stand in front of the app: each appends the address it received the
request from, so the client is the entry `NUM_PROXIES` places from the right.  Entries further left
were written by the client and are never used.  With `NUM_PROXIES=0` (the default) the header is
ignored and the client is the socket's peer (`REMOTE_ADDR`).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from rest_framework import throttling


def client_address(request: Any) -> str:
    """The address of the client that sent `request` (a Django or DRF request); "" when unknown."""
    meta = getattr(request, "META", None)
    if meta is None:
        return ""
    remote = str(meta.get("REMOTE_ADDR") or "")
    proxies = int(getattr(settings, "NUM_PROXIES", 0) or 0)
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in str(meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if hop.strip()]
    if len(hops) < proxies:
        # Fewer hops than proxies: the request did not come through all of them; the peer is what we know.
        return remote
    candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class _RealAddressMixin:
    def get_ident(self, request: Any) -> str:
        return client_address(request)


class AnonRateThrottle(_RealAddressMixin, throttling.AnonRateThrottle):
    """DRF's anonymous throttle keyed on `client_address`."""


class UserRateThrottle(_RealAddressMixin, throttling.UserRateThrottle):
    """DRF's user throttle (anonymous requests keyed on `client_address`)."""


class ScopedRateThrottle(_RealAddressMixin, throttling.ScopedRateThrottle):
    """DRF's scoped throttle (anonymous requests keyed on `client_address`)."""
