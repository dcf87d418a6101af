"""Test data for the national rollup: qualifying courses, learners, and completions through the real ingest."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User

from accounts.models import RoleGroup
from accounts.services import user_role_grant
from courses.models import Course, CourseLiteracy, CourseSkill, ReviewStatus, TagSource
from courses.tests.factories import CourseFactory
from learners.models import LearnerProfile
from learners.services import EventIn, EventOutcome, progress_events_ingest
from learners.tests.factories import LearnerFactory, MembershipFactory, OrganizationFactory, UserFactory
from skills.models import LiteracyItem, Role, SkillItem

TOKYO = ZoneInfo("Asia/Tokyo")
_keys = count(1)


def jst(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO)


def course(
    *, hours: str | int = 10, skills: tuple[str, ...] = ("DU04",), literacy: tuple[str, ...] = (), **extra: Any
) -> Course:
    """A course with accepted (declared) skill tags and literacy tags from the loaded standard."""
    made = CourseFactory.create(hours=Decimal(str(hours)), **extra)
    for position, code in enumerate(skills):
        CourseSkill.objects.create(course=made, skill_item=SkillItem.objects.get(code=code), level=2, position=position)
    for position, code in enumerate(literacy):
        CourseLiteracy.objects.create(course=made, literacy_item=LiteracyItem.objects.get(code=code), position=position)
    return made


def inferred_tag(on: Course, code: str) -> CourseSkill:
    return CourseSkill.objects.create(
        course=on,
        skill_item=SkillItem.objects.get(code=code),
        level=2,
        source=TagSource.INFERRED,
        review_status=ReviewStatus.PENDING,
        confidence=0.6,
    )


def learner(
    *, role: str | None = "DS_PRO", prefecture: str = "13", industry: str = "G", **extra: Any
) -> LearnerProfile:
    target = Role.objects.get(code=role) if role else None
    return LearnerFactory.create(target_role=target, prefecture=prefecture, industry=industry, **extra)


def member(of_size: str = "1001+", prefecture: str = "01", industry: str = "E", **extra: Any) -> LearnerProfile:
    """A learner with no prefecture or industry of their own, employed by an organization."""
    person = learner(prefecture="", industry="", **extra)
    organization = OrganizationFactory.create(size_band=of_size, prefecture=prefecture, industry=industry)
    MembershipFactory.create(user=person.user, organization=organization)
    return person


def staff() -> User:
    user: User = UserFactory.create(is_staff=True)
    return user


def ministry_analyst(**extra: Any) -> User:
    user: User = UserFactory.create(**extra)
    user_role_grant(user=user, role=RoleGroup.MINISTRY)
    return user


def completion(person: LearnerProfile, on: Course, when: datetime, key: str | None = None) -> EventIn:
    return EventIn(0, key or f"k{next(_keys)}", str(person.public_id), on.pk, "completed", when)


def ingest(submitter: User, *events: EventIn) -> list[EventOutcome]:
    for index, event in enumerate(events):
        event.index = index
    outcomes = progress_events_ingest(submitter=submitter, events=list(events))
    assert all(o.status in ("created", "duplicate") for o in outcomes), [o.as_dict() for o in outcomes]
    return outcomes


def counted(*groups: tuple[int, str, str, str, str, int]) -> list[LearnerProfile]:
    """Counted people straight into the rollup, then the cells rebuilt: (fiscal year, prefecture, industry,
    persona type, org size, how many).  For reading tests; counting itself is tested through the ingest."""
    from django.utils import timezone

    from national.models import NationalCount
    from national.services import national_cells_rebuild

    size = sum(g[-1] for g in groups)
    users = User.objects.bulk_create([User(username=f"counted{next(_keys)}") for _ in range(size)])
    profiles = LearnerProfile.objects.bulk_create([LearnerProfile(user=u) for u in users])
    rows, people = [], iter(profiles)
    for fiscal_year, prefecture, industry, persona, org_size, n in groups:
        for _ in range(n):
            rows.append(
                NationalCount(
                    learner=next(people),
                    enrollment_id=0,
                    course_id=0,
                    completed_at=jst(fiscal_year, 6, 1),
                    fiscal_year=fiscal_year,
                    prefecture=prefecture,
                    industry=industry,
                    persona_type=persona,
                    org_size=org_size,
                    counted_at=timezone.now(),
                )
            )
    NationalCount.objects.bulk_create(rows)
    national_cells_rebuild()
    return profiles
