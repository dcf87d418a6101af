"""The database settings from the environment (config/database.py) and the app on a psycopg pool."""

from __future__ import annotations

import threading
from typing import Any

import environ
import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.test import Client

from config.database import database_config

PG = "postgres://app@db.internal:5432/dxp"
VARIABLES = ("DATABASE_URL", "DB_CONN_MAX_AGE", "DB_POOL", "DB_POOL_MIN_SIZE", "DB_POOL_MAX_SIZE", "DB_POOL_TIMEOUT")


def _config(monkeypatch: pytest.MonkeyPatch, **variables: str) -> dict[str, Any]:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return database_config(environ.Env(), default_url="sqlite:///db.sqlite3")


def test_without_variables_sqlite_with_neither_pool_nor_persistent_connections(monkeypatch):
    config = _config(monkeypatch)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["CONN_MAX_AGE"] == 0
    assert config["CONN_HEALTH_CHECKS"] is True
    assert "pool" not in config.get("OPTIONS", {})


def test_postgresql_pools_by_default(monkeypatch):
    config = _config(monkeypatch, DATABASE_URL=PG)
    assert config["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 4, "timeout": 3.0}
    assert config["CONN_MAX_AGE"] == 0


def test_postgresql_persistent_connections_instead_of_the_pool(monkeypatch):
    config = _config(monkeypatch, DATABASE_URL=PG, DB_CONN_MAX_AGE="60")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["CONN_MAX_AGE"] == 60
    assert "pool" not in config.get("OPTIONS", {})


def test_pool_on_postgresql_with_its_sizes(monkeypatch):
    config = _config(monkeypatch, DATABASE_URL=PG, DB_POOL="true", DB_POOL_MIN_SIZE="2", DB_POOL_MAX_SIZE="8")
    assert config["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 8, "timeout": 3.0}
    assert config["CONN_MAX_AGE"] == 0
    assert config["NAME"] == "dxp"


def test_pool_defaults_and_other_options_are_kept(monkeypatch):
    config = _config(monkeypatch, DATABASE_URL=f"{PG}?sslmode=require", DB_POOL="1", DB_POOL_TIMEOUT="2.5")
    assert config["OPTIONS"] == {"sslmode": "require", "pool": {"min_size": 1, "max_size": 4, "timeout": 2.5}}


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"DB_POOL": "true"}, "needs PostgreSQL"),
        ({"DATABASE_URL": PG, "DB_POOL": "true", "DB_CONN_MAX_AGE": "60"}, "exclude each other"),
        ({"DATABASE_URL": PG, "DB_POOL": "true", "DB_POOL_MIN_SIZE": "5", "DB_POOL_MAX_SIZE": "2"}, "min <= max"),
        ({"DATABASE_URL": PG, "DB_POOL": "true", "DB_POOL_MAX_SIZE": "0", "DB_POOL_MIN_SIZE": "0"}, "min <= max"),
    ],
)
def test_impossible_combinations_are_refused_at_start(monkeypatch, variables, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        _config(monkeypatch, **variables)


def test_pool_off_is_off(monkeypatch):
    assert "pool" not in _config(monkeypatch, DATABASE_URL=PG, DB_POOL="false").get("OPTIONS", {})


@pytest.fixture
def pooled() -> Any:
    """The default connection switched to a pool of at most 2 connections for the test, then back."""
    conn: Any = connections["default"]  # PostgreSQL's wrapper, which has close_pool()
    conn.close()
    conn.close_pool()  # PostgreSQL pools by default: this test's pool replaces that one
    saved = (dict(conn.settings_dict["OPTIONS"]), conn.settings_dict["CONN_MAX_AGE"])
    conn.settings_dict["OPTIONS"] = {**saved[0], "pool": {"min_size": 1, "max_size": 2, "timeout": 10}}
    conn.settings_dict["CONN_MAX_AGE"] = 0
    try:
        yield conn
    finally:
        conn.close()
        conn.close_pool()
        conn.settings_dict["OPTIONS"], conn.settings_dict["CONN_MAX_AGE"] = saved


def _backend_pid(conn: Any) -> int:
    with conn.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid: int = cursor.fetchone()[0]
    return pid


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_app_serves_requests_from_the_pool_and_reuses_its_connection(standard, pooled):
    from accounts.services import api_token_issue
    from courses.tests.factories import CourseFactory
    from learners.models import ProgressEvent
    from learners.tests.factories import LearnerFactory

    staff = User.objects.create(username="lms", is_staff=True)
    _token, key = api_token_issue(user=staff, name="lms")
    learner = LearnerFactory.create()
    course_id = CourseFactory.create().pk
    pooled.close()  # back to the pool: each request below takes it and gives it back
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    pids = set()
    for n in range(5):
        assert client.get("/healthz?only=database").status_code == 200
        body = {
            "events": [
                {
                    "idempotency_key": f"pool-{n}",
                    "learner": str(learner.public_id),
                    "course": course_id,
                    "kind": "progress",
                    "percent": 10 * (n + 1),
                    "occurred_at": "2026-04-01T09:00:00+09:00",
                }
            ]
        }
        response = client.post("/api/v1/progress-events/", body, content_type="application/json")
        assert response.status_code == 200, response.content[:300]
        assert response.json()["created"] == 1
        pids.add(_backend_pid(pooled))
        pooled.close()
    assert pooled.pool is not None
    # Ten requests, at most two server connections (the pool's maximum): each went back to the pool and was
    # taken again, where without a pool every request opens its own.
    assert 1 <= len(pids) <= 2
    assert ProgressEvent.objects.filter(submitted_by=staff).count() == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_more_threads_than_pooled_connections_all_get_answers(pooled):
    """Six threads, a pool of two: requests wait for a free connection instead of failing."""
    statuses: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def work() -> None:
        try:
            barrier.wait(timeout=10)
            client = Client()
            for _ in range(5):
                statuses.append(client.get("/healthz?only=database").status_code)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert statuses == [200] * 30
    assert pooled.pool.get_stats()["pool_size"] <= 2
