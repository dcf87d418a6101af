"""The `default` database from the environment: DATABASE_URL, persistent connections or a pool.

Kept apart from settings.py so the rules can be tested without reloading the settings.

- `DB_CONN_MAX_AGE` (seconds, default 0): Django's persistent connections, one per process and
  thread, health-checked before reuse.
- `DB_POOL` (PostgreSQL only; the default there unless `DB_CONN_MAX_AGE` is above 0): psycopg's
  connection pool inside each process (Django 5.1+),
  `DB_POOL_MIN_SIZE` to `DB_POOL_MAX_SIZE` connections, a request waiting at most
  `DB_POOL_TIMEOUT` seconds for one.  A pool and persistent connections exclude each other
  (Django refuses both), so `DB_POOL=true` with `DB_CONN_MAX_AGE` above 0 is an error here.
  Figures: bench/results/pooling.md.
"""

from __future__ import annotations

from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

POSTGRESQL = "django.db.backends.postgresql"


def database_config(env: environ.Env, *, default_url: str) -> dict[str, Any]:
    config: dict[str, Any] = dict(env.db("DATABASE_URL", default=default_url))
    config["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
    config["CONN_HEALTH_CHECKS"] = True
    config["ATOMIC_REQUESTS"] = False
    # The pool is the default on PostgreSQL unless persistent connections were asked for: the load test
    # (bench/results/pooling.md) measures 1.5-1.9x the requests per second of a new connection per request.
    if not env.bool("DB_POOL", default=config["ENGINE"] == POSTGRESQL and not config["CONN_MAX_AGE"]):
        return config
    if config["ENGINE"] != POSTGRESQL:
        raise ImproperlyConfigured(f"DB_POOL=true needs PostgreSQL; DATABASE_URL names {config['ENGINE']}")
    if config["CONN_MAX_AGE"]:
        raise ImproperlyConfigured(
            "DB_POOL=true and DB_CONN_MAX_AGE>0 exclude each other (a pooled connection goes back to the pool "
            "after each request); unset DB_CONN_MAX_AGE"
        )
    min_size = env.int("DB_POOL_MIN_SIZE", default=1)
    max_size = env.int("DB_POOL_MAX_SIZE", default=4)
    if not 0 <= min_size <= max_size or max_size < 1:
        raise ImproperlyConfigured(f"DB_POOL_MIN_SIZE={min_size} and DB_POOL_MAX_SIZE={max_size}: need 0 <= min <= max")
    config["OPTIONS"] = {
        **dict(config.get("OPTIONS") or {}),
        "pool": {"min_size": min_size, "max_size": max_size, "timeout": env.float("DB_POOL_TIMEOUT", default=3.0)},
    }
    return config
