"""generate_population: exact sizes, determinism, consistency with the ingest's rules and the national rollup."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO
from typing import Any, cast

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection

from courses.models import Course, CourseSkill
from courses.tests.factories import CourseFactory
from learners.events import event_parse
from learners.models import (
    Enrollment,
    EnrollmentStatus,
    LearnerProfile,
    Membership,
    Organization,
    ProgressEvent,
    SkillAssessment,
)
from learners.services import EventIn, _fold, _payload_hash
from national.models import NationalCount
from national.services import national_reconcile
from portal import population
from skills.models import SkillItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(standard: Any) -> list[Any]:
    """Twelve courses, most of them tagged (so completions count nationally), two long enough."""
    items = list(SkillItem.objects.filter(version=standard).order_by("pk")[:6])
    courses = []
    for n in range(12):
        course = cast(Course, CourseFactory(hours=Decimal("12.0") if n % 3 else Decimal("3.0")))
        if n < 10:
            CourseSkill.objects.create(course=course, skill_item=items[n % 6], level=1 + n % 3)
        courses.append(course)
    return courses


def _generate(**options: Any) -> str:
    out = StringIO()
    call_command("generate_population", stdout=out, **options)
    return out.getvalue()


def _digest() -> str:
    """Everything generated, in id order (ids included: they are reserved the same way each time)."""
    parts = []
    with connection.cursor() as cursor:
        for model in (User, Organization, Membership, LearnerProfile, SkillAssessment, Enrollment, ProgressEvent):
            cursor.execute(f"SELECT * FROM {model._meta.db_table} ORDER BY id")  # noqa: S608 - identifiers only
            parts.append(repr(cursor.fetchall()))
    return hashlib.sha256("".join(parts).encode()).hexdigest()


def _delete_generated() -> None:
    ProgressEvent.objects.all().delete()
    Enrollment.objects.all().delete()
    SkillAssessment.objects.all().delete()
    NationalCount.objects.all().delete()
    LearnerProfile.objects.all().delete()
    Membership.objects.all().delete()
    Organization.objects.all().delete()
    User.objects.filter(username__startswith="pop").delete()


def test_sizes_are_exact_and_the_summary_shows_them(catalog):
    output = _generate(learners=700, events=1_601, orgs=9, seed=3)

    assert LearnerProfile.objects.count() == 700
    assert ProgressEvent.objects.count() == 1_601
    assert Organization.objects.count() == 9
    # every learner is a learner-role account that cannot log in; each organization has an admin
    assert User.objects.filter(groups__name="learner", username__startswith="pop3-").count() == 700
    assert not any(u.has_usable_password() for u in User.objects.filter(username__startswith="pop3-")[:50])
    assert Membership.objects.filter(kind="admin").count() == 9
    assert "1,601" in output and "Population loaded" in output and "FY2025" in output


def test_the_same_seed_gives_the_same_population(catalog):
    _generate(learners=300, events=650, orgs=5, seed=11)
    first = _digest()
    _delete_generated()
    _generate(learners=300, events=650, orgs=5, seed=11)
    assert _digest() == first
    _delete_generated()
    _generate(learners=300, events=650, orgs=5, seed=12)
    assert _digest() != first


def test_chunks_do_not_depend_on_each_other():
    """A chunk's rows come from (seed, chunk number) alone: the first 50,000 learners of a
    2.3-million population are those of a 60,000 one (learners beyond differ only in their share of events)."""
    small, large = population.Spec(60_000, 120_000, 10, 5), population.Spec(2_300_000, 4_600_000, 10, 5)
    assert small.chunks()[0] == large.chunks()[0]
    assert small.event_quota(0, 50_000) == large.event_quota(0, 50_000) == 100_000
    assert sum(large.event_quota(s, c) for _, s, c in large.chunks()) == 4_600_000


def test_enrollments_are_what_the_ingest_would_derive_from_the_events(catalog):
    _generate(learners=400, events=1_200, orgs=6, seed=5)
    events: dict[tuple[int, int], list[ProgressEvent]] = defaultdict(list)
    for event in ProgressEvent.objects.order_by("occurred_at", "pk"):
        events[(event.learner_id, event.course_id)].append(event)
    enrollments = list(Enrollment.objects.all())
    assert len(enrollments) == len(events)
    public = dict(LearnerProfile.objects.values_list("pk", "public_id"))
    for stored in enrollments:
        stream = events[(stored.learner_id, stored.course_id)]
        assert stream[0].kind == "enrolled"
        replay = Enrollment(learner_id=stored.learner_id, course_id=stored.course_id, enrolled_at=stream[0].occurred_at)
        for event in stream:
            parsed = event_parse(
                0,
                {
                    "idempotency_key": event.idempotency_key,
                    "learner": str(public[event.learner_id]),
                    "course": event.course_id,
                    "kind": event.kind,
                    "percent": event.percent,
                    "occurred_at": event.occurred_at.isoformat(),
                    "source": event.source,
                },
            )
            assert isinstance(parsed, EventIn), parsed
            _fold(replay, parsed)
            # the stored hash is the one the ingest computes, so replaying a generated event is a duplicate
            assert event.payload_hash == _payload_hash(parsed, event.learner_id, event.course_id)
        for name in ("status", "percent", "enrolled_at", "completed_at", "dropped_at", "last_event_at"):
            assert getattr(replay, name) == getattr(stored, name), (name, stored)
    statuses = Counter(e.status for e in enrollments)
    assert statuses[EnrollmentStatus.COMPLETED] > statuses[EnrollmentStatus.DROPPED] > 0


def test_completions_carry_course_evidence_and_the_national_rollup_reconciles(catalog):
    _generate(learners=500, events=1_400, orgs=8, seed=9)
    tags = Counter(CourseSkill.objects.values_list("course_id", flat=True))
    completed = Enrollment.objects.filter(status=EnrollmentStatus.COMPLETED)
    assert SkillAssessment.objects.filter(source="course").count() == sum(tags[e.course_id] for e in completed)
    report = national_reconcile()
    assert report.ok, report
    assert NationalCount.objects.count() > 0
    # nothing after the "as of" day; every counted year is in FY2022..FY2026
    assert not ProgressEvent.objects.filter(occurred_at__gt=datetime(2026, 11, 1, tzinfo=UTC)).exists()
    assert set(NationalCount.objects.values_list("fiscal_year", flat=True)) <= {2022, 2023, 2024, 2025, 2026}


def test_people_are_spread_like_the_workforce():
    """With many organizations, Tokyo is the largest prefecture and activity grows toward FY2026."""
    spec = population.Spec(learners=20_000, events=44_000, orgs=3_000, seed=1)
    orgs = population.organizations(spec, 1, 1)
    catalog = population.Catalog(
        course_ids=np.arange(1, 201, dtype=np.int64),
        course_hours=np.full(200, 10.0),
        course_tags={},
        role_ids=np.arange(1, 16, dtype=np.int64),
        role_weights=np.full(15, 1 / 15),
        skill_item_ids=np.arange(1, 50, dtype=np.int64),
    )
    ids = population.Ids(user=10_000, profile=1, membership=1, assessment=1, enrollment=1, event=1)
    part = population.chunk(spec, 0, 0, 20_000, catalog, orgs, ids)
    prefectures = Counter(part.profiles["prefecture"].tolist())
    assert prefectures.most_common(1)[0][0] == "13"
    assert prefectures["13"] > 5 * prefectures["31"]  # Tokyo vs Tottori
    industries = Counter(part.profiles["industry"].tolist())
    assert {code for code, _ in industries.most_common(3)} <= {"E", "I", "P", "D", "R"}
    years = Counter(int(str(t)[:4]) + (0 if int(str(t)[5:7]) >= 4 else -1) for t in part.enrollments["enrolled_at"])
    assert years[2022] < years[2024] < years[2025]
    assert len(part.events["id"]) == 44_000


def test_bad_arguments_and_a_second_run_with_the_same_seed_change_nothing(catalog):
    with pytest.raises(CommandError, match="--learners: must be at least 1"):
        _generate(learners=0, events=10, orgs=1)
    with pytest.raises(CommandError, match="--until"):
        _generate(learners=10, events=10, orgs=1, until="yesterday")
    _generate(learners=50, events=100, orgs=2, seed=4)
    before = (User.objects.count(), ProgressEvent.objects.count())
    with pytest.raises(CommandError, match="seed 4 is already loaded"):
        _generate(learners=50, events=100, orgs=2, seed=4)
    assert (User.objects.count(), ProgressEvent.objects.count()) == before


def test_without_a_catalog_it_says_what_to_load_first(standard):
    with pytest.raises(CommandError, match="load the catalog first"):
        _generate(learners=10, events=10, orgs=1)
    assert not LearnerProfile.objects.exists()
