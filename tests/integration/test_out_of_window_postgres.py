"""Issue 16: a year-1 event time poisons a learner on PostgreSQL (stored as 1 BC, which psycopg cannot
read back).  Reproduced here, then: reads survive such a row, and `repair_dates` finds and fixes it."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.core.management import call_command
from django.db import DataError, connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.utils import timezone
from rest_framework.test import APIClient

from common.db import FAR_PAST
from common.input_checks import EVENT_EARLIEST
from courses.models import Course, Provider
from courses.services import catalog_import
from courses.tests.factories import PROVIDER, catalog_json, course_record
from learners.models import Enrollment, Membership, ProgressEvent
from learners.services import learner_account_delete, out_of_window_dates_repair
from learners.tests.factories import LearnerFactory, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
YEAR_ONE = "0001-01-01T00:00:00+14:00"


@pytest.fixture
def poisoned(standard):
    """A learner who completed a course, whose event and enrollment then got a year-1 time the way the
    old API stored it (before the input boundary): the raw UPDATE stands in for that ingest."""
    catalog_import(data=catalog_json([course_record(1)]), filename="c.json")
    provider_user = UserFactory.create()
    Provider.objects.get(name_ja=PROVIDER).members.add(provider_user)
    org = OrganizationFactory.create()
    admin = MembershipFactory.create(organization=org, kind=Membership.Kind.ADMIN).user
    learner = LearnerFactory.create()
    MembershipFactory.create(user=learner.user, organization=org)
    client = APIClient()
    client.force_authenticate(provider_user)
    when = (timezone.now() - timedelta(days=2)).isoformat()
    event = {"learner": str(learner.public_id), "course": Course.objects.get().pk, "occurred_at": when}
    response = client.post(
        "/api/v1/progress-events/",
        {"events": [{**event, "idempotency_key": "e1", "kind": "enrolled"}]},
        format="json",
    )
    assert response.json()["created"] == 1
    with connection.cursor() as cursor:
        cursor.execute("UPDATE learners_progressevent SET occurred_at = %s::timestamptz", [YEAR_ONE])
        cursor.execute(
            "UPDATE learners_enrollment SET enrolled_at = %s::timestamptz, last_event_at = %s::timestamptz",
            [YEAR_ONE, YEAR_ONE],
        )
        cursor.execute("SELECT occurred_at::text FROM learners_progressevent")
        assert cursor.fetchone()[0].endswith("BC")  # PostgreSQL really stored 1 BC
    return {"learner": learner, "admin": admin, "org": org, "provider_client": client, "event": event}


def test_the_api_refuses_a_year_one_time_now(poisoned):
    event = {**poisoned["event"], "occurred_at": YEAR_ONE, "idempotency_key": "e2", "kind": "progress", "percent": 5}
    response = poisoned["provider_client"].post("/api/v1/progress-events/", {"events": [event]}, format="json")
    assert response.json()["results"][0]["status"] == "rejected"
    assert ProgressEvent.objects.count() == 1


def test_without_the_robust_loader_the_row_cannot_be_read(poisoned):
    """The reproduction: Django's own timestamptz loader fails on the stored value."""
    with connection.cursor() as cursor:
        register_tzloader(UTC, cursor.cursor)
        cursor.execute("SELECT enrolled_at FROM learners_enrollment")
        with pytest.raises(DataError):
            cursor.fetchall()


def test_reads_survive_the_bad_row(poisoned, client):
    learner, admin, org = poisoned["learner"], poisoned["admin"], poisoned["org"]
    assert Enrollment.objects.get().enrolled_at == FAR_PAST
    me = APIClient()
    me.force_authenticate(learner.user)
    for url in ("/api/v1/me/enrollments/", "/api/v1/me/export", "/api/v1/me/profile", "/api/v1/me/plan"):
        assert me.get(url).status_code == 200, url
    boss = APIClient()
    boss.force_authenticate(admin)
    for url in (f"/api/v1/orgs/{org.pk}/members", f"/api/v1/orgs/{org.pk}/dashboard"):
        assert boss.get(url).status_code == 200, url
    client.force_login(learner.user)
    for url in ("/me/", "/me/plan/", "/me/export/"):
        assert client.get(url, follow=True).status_code == 200, url
    client.force_login(admin)
    assert client.get(f"/team/{org.pk}/").status_code == 200
    # a later event for the same enrollment is stored and applied
    later = {**poisoned["event"], "idempotency_key": "e3", "kind": "completed"}
    response = poisoned["provider_client"].post("/api/v1/progress-events/", {"events": [later]}, format="json")
    assert response.json()["created"] == 1


def test_the_learner_can_still_be_erased(poisoned):
    report = learner_account_delete(learner=poisoned["learner"])
    assert report.counts
    assert not Enrollment.objects.exists() and not ProgressEvent.objects.exists()


def test_repair_dates_finds_and_fixes_the_rows(poisoned, capsys):
    with pytest.raises(SystemExit) as exit_info:
        call_command("repair_dates")
    assert exit_info.value.code == 1
    assert "1 events, 1 enrollments" in capsys.readouterr().out
    call_command("repair_dates", "--apply")
    event = ProgressEvent.objects.get()
    enrollment = Enrollment.objects.get()
    assert event.occurred_at == event.received_at
    assert EVENT_EARLIEST <= enrollment.enrolled_at == event.occurred_at
    assert enrollment.last_event_at == event.occurred_at
    assert out_of_window_dates_repair(apply=False).total == 0
    call_command("repair_dates")  # exits 0 now
    assert "inside its window" in capsys.readouterr().out
