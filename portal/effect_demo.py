"""The demo world's measured course effectiveness (issue 24, docs/effectiveness.md): some of the synthetic
national people also finished one of two of the demo provider's courses and were assessed afterwards by a
manager (and some by themselves; no exam rows, which only passes write: docs/exams.md), so the course page and
the provider's list have a measured level to show in `make run`.  One course delivers about what it claims,
the other half a level less.  Deterministic (generators seeded by user name) and idempotent (assessments
marked by their note)."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from courses.models import Course, CourseStatus
from courses.selectors import active_tags
from learners.models import AssessmentSource, Enrollment, EnrollmentStatus, SkillAssessment
from learners.services.rollups import org_rollups_refresh

EFFECT_PEOPLE = 90  # national people who also finished one of the two courses (every other one each)
EFFECT_DELTAS = (-0.5, 0.1)  # true mean later level minus the claim, per course
EFFECT_NOTE = "demo: assessed after the course"


def effect_demo_courses(*, course_ids: Sequence[int], provider_id: int | None) -> list[int]:
    """Two tagged, published courses among `course_ids`, the provider's own first (lowest ids)."""
    tagged = set(active_tags().filter(course_id__in=course_ids).values_list("course_id", flat=True))
    qs = Course.objects.filter(pk__in=tagged, status=CourseStatus.PUBLISHED).order_by("pk")
    own = list(qs.filter(provider_id=provider_id).values_list("pk", flat=True)) if provider_id else []
    rest = [pk for pk in qs.values_list("pk", flat=True) if pk not in own]
    return (own + rest)[:2]


def effect_demo_completions(
    plans: Mapping[str, tuple[Any, list[tuple[int, datetime]]]], *, courses: Sequence[int]
) -> None:
    """Add to the first EFFECT_PEOPLE people's planned completions one of `courses` (alternating), a day after
    their first completion (so the year they are counted in stays)."""
    if not courses:
        return
    for index, username in enumerate(sorted(plans)[:EFFECT_PEOPLE]):
        _employer, completions = plans[username]
        course = courses[index % len(courses)]
        if completions and course not in {c for c, _ in completions}:
            completions.append((course, completions[0][1] + timedelta(days=1)))


def effect_demo_assessments(*, courses: Sequence[int]) -> int:
    """Later assessments for the national people who completed `courses`; returns the rows added."""
    now = timezone.now()
    claims: dict[int, list[tuple[int, int]]] = {}
    for course_id, item_id, level in (
        active_tags().filter(course_id__in=courses).values_list("course_id", "skill_item_id", "level")
    ):
        claims.setdefault(course_id, []).append((item_id, level))
    done = set(SkillAssessment.objects.filter(note=EFFECT_NOTE).values_list("learner_id", flat=True))
    rows = []
    completed = (
        Enrollment.objects.filter(
            course_id__in=courses,
            status=EnrollmentStatus.COMPLETED,
            completed_at__isnull=False,
            learner__user__username__startswith="national",
        )
        .order_by("learner__user__username", "course_id")
        .values_list("learner_id", "learner__user__username", "course_id", "completed_at")
    )
    for learner_id, username, course_id, completed_at in completed:
        if learner_id in done or completed_at is None:
            continue
        delta = EFFECT_DELTAS[list(courses).index(course_id) % len(EFFECT_DELTAS)]
        rng = random.Random(f"demo-effect-{username}-{course_id}")  # noqa: S311 - demo data, reproducible
        for item_id, claim in claims.get(course_id, []):
            true = claim + delta + rng.gauss(0, 0.5)
            sources = [AssessmentSource.MANAGER]
            if rng.random() < 0.6:
                sources.append(AssessmentSource.SELF)
            for source in sources:
                level = max(0, min(4, round(true + rng.gauss(0, 0.4))))
                when = min(completed_at + timedelta(days=rng.randint(10, 60)), now)
                if when <= completed_at:
                    continue
                rows.append(
                    SkillAssessment(
                        learner_id=learner_id,
                        skill_item_id=item_id,
                        level=level,
                        source=source,
                        note=EFFECT_NOTE,
                        assessed_at=when,
                    )
                )
    SkillAssessment.objects.bulk_create(rows, batch_size=1000)
    org_rollups_refresh(learner_ids={r.learner_id for r in rows})  # bulk_create sends no model signal
    return len(rows)
