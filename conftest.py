"""Shared test set-up.

Integration tests carry the markers `postgres` and `broker`.  They skip with
a reason on a machine without those services, and they FAIL instead of
skipping when CI=true: CI must really exercise PostgreSQL and Redis.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

ROOT = Path(__file__).resolve().parent
FIXTURE_PATH = ROOT / "fixtures" / "dss_skill_standard.json"


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


# Property-based tests are reproducible in CI: the "ci" profile derandomizes hypothesis (the same examples
# on every run, no example database), so a landing cannot fail or pass by chance.  Locally the
# "dev" profile keeps exploring new examples.  HYPOTHESIS_PROFILE overrides either.
hypothesis_settings.register_profile(
    "ci", derandomize=True, database=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.register_profile("dev")
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if _ci() else "dev"))


def _on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def _broker_problem() -> str | None:
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://", "amqp://")):
        return "needs a real broker: set CELERY_BROKER_URL=redis://127.0.0.1:6379/0"
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
    except Exception as exc:
        return f"broker {url} is not reachable: {exc}"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    problems = []
    if item.get_closest_marker("postgres") and not _on_postgres():
        problems.append("needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/dxpathways")
    if item.get_closest_marker("broker"):
        problem = _broker_problem()
        if problem:
            problems.append(problem)
    if problems:
        message = "; ".join(problems)
        if _ci():
            pytest.fail(f"CI=true and this integration test cannot run: {message}", pytrace=False)
        pytest.skip(message)


@pytest.fixture(autouse=True)
def _celery_eager_by_default() -> Iterator[None]:
    """Unit tests run tasks in-process; integration tests switch this off themselves."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Each test starts with an empty cache (keys repeat across rolled-back tests)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def dss_data() -> dict[str, Any]:
    """The committed DSS fixture, decoded (tests copy it before changing it)."""
    data: dict[str, Any] = json.loads(FIXTURE_PATH.read_text(encoding="utf-8"))
    return data


@pytest.fixture
def dss_copy(dss_data: dict[str, Any]) -> dict[str, Any]:
    copied: dict[str, Any] = json.loads(json.dumps(dss_data))
    return copied


@pytest.fixture
def standard(db: None, dss_data: dict[str, Any]) -> Any:
    """The real standard loaded into the test database; returns its StandardVersion."""
    from skills.dss_fixture import parse_fixture
    from skills.models import StandardVersion
    from skills.services import standard_load

    report = standard_load(fixture=parse_fixture(dss_data, source=str(FIXTURE_PATH)))
    return StandardVersion.objects.get(code=report.version)
