"""A Redis cache that degrades to 'no cache' while Redis is unreachable.

Everything the cache holds can be recomputed (search answers, API throttle counters), so an
outage must not turn pages into errors: a failed read is a miss, a failed write is skipped,
and a warning is logged (at most once a minute per process)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
T = TypeVar("T")
_last_warning = 0.0


def _warn(operation: str, exc: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning > 60:
        _last_warning = now
        logger.warning("cache unavailable (%s): %s; serving without the cache", operation, exc)


def _safe(operation: str, call: Callable[[], T], fallback: T) -> T:
    try:
        return call()
    except RedisError as exc:
        _warn(operation, exc)
        return fallback


class FailSafeRedisCache(RedisCache):
    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return _safe("get", lambda: super(FailSafeRedisCache, self).get(key, default, version), default)

    def set(self, key: Any, value: Any, timeout: Any = None, version: Any = None) -> None:
        kwargs: dict[str, Any] = {"version": version}
        if timeout is not None:
            kwargs["timeout"] = timeout
        _safe("set", lambda: super(FailSafeRedisCache, self).set(key, value, **kwargs), None)

    def add(self, key: Any, value: Any, timeout: Any = None, version: Any = None) -> bool:
        kwargs: dict[str, Any] = {"version": version}
        if timeout is not None:
            kwargs["timeout"] = timeout
        return _safe("add", lambda: super(FailSafeRedisCache, self).add(key, value, **kwargs), False)

    def touch(self, key: Any, timeout: Any = None, version: Any = None) -> bool:
        kwargs: dict[str, Any] = {"version": version}
        if timeout is not None:
            kwargs["timeout"] = timeout
        return _safe("touch", lambda: super(FailSafeRedisCache, self).touch(key, **kwargs), False)

    def delete(self, key: Any, version: Any = None) -> bool:
        return _safe("delete", lambda: super(FailSafeRedisCache, self).delete(key, version), False)

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        return _safe("get_many", lambda: super(FailSafeRedisCache, self).get_many(keys, version), {})

    def set_many(self, data: Any, timeout: Any = None, version: Any = None) -> list[Any]:
        kwargs: dict[str, Any] = {"version": version}
        if timeout is not None:
            kwargs["timeout"] = timeout
        return _safe("set_many", lambda: super(FailSafeRedisCache, self).set_many(data, **kwargs), list(data))

    def delete_many(self, keys: Any, version: Any = None) -> None:
        _safe("delete_many", lambda: super(FailSafeRedisCache, self).delete_many(keys, version), None)

    def has_key(self, key: Any, version: Any = None) -> bool:
        return _safe("has_key", lambda: super(FailSafeRedisCache, self).has_key(key, version), False)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        try:
            return super().incr(key, delta, version)
        except RedisError as exc:
            _warn("incr", exc)
            raise ValueError(f"key {key!r} cannot be incremented: the cache is unavailable") from exc

    def clear(self) -> None:
        _safe("clear", lambda: super(FailSafeRedisCache, self).clear(), None)
