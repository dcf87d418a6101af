"""Behaviour that only a real PostgreSQL server can show: concurrency and server-side constraints."""

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from skills.dss_fixture import parse_fixture
from skills.models import RoleSkillRequirement, SkillItem, StandardVersion
from skills.services import standard_load

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_runs_on_postgresql():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert int(cursor.fetchone()[0].split(".")[0]) >= 13


def test_concurrent_loads_of_one_version_do_not_duplicate(dss_data):
    """Two loaders at once: one creates, the other waits on the row lock and then finds nothing to do."""
    fixture = parse_fixture(dss_data)
    reports, errors = [], []
    barrier = threading.Barrier(2)

    def load():
        try:
            barrier.wait(timeout=10)
            reports.append(standard_load(fixture=fixture))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=load) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert len(reports) == 2
    assert sorted(r.changed for r in reports)[0] == 0  # the second one changed nothing
    assert StandardVersion.objects.count() == 1
    assert SkillItem.objects.count() == 49
    assert RoleSkillRequirement.objects.count() == 735


def test_check_constraint_is_enforced_by_the_server(standard):
    req = RoleSkillRequirement.objects.get(role__code="DS_PRO", skill_item__code="DU04")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE skills_roleskillrequirement SET grade = 'q' WHERE id = %s", [req.pk])
    req.refresh_from_db()
    assert req.grade in "abcdz"
