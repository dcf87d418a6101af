"""The capstone from database state: case-based programs and the learner's role, fed to core.capstone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.utils import timezone

from courses.models import CaseProgram, CourseStatus
from learners.models import LearnerProfile
from recommender.core.capstone import Cohort, choose_capstone


def capstone_for(
    *, learner: LearnerProfile, current: Mapping[str, int], today: date | None = None
) -> dict[str, Any] | None:
    """The capstone item of the plan payload (or None): a case-based program whose cohort fits the learner."""
    role = learner.target_role
    if role is None:
        return None
    requirements = dict(role.requirements.values_list("skill_item__code", "grade"))
    programs = CaseProgram.objects.filter(course__status=CourseStatus.PUBLISHED).select_related("course__provider")
    by_id = {p.course_id: p for p in programs}
    cohorts = [
        Cohort(
            course_id=p.course_id,
            cohort_starts_on=p.cohort_starts_on,
            cohort_ends_on=p.cohort_ends_on,
            application_deadline=p.application_deadline,
            hours_per_week=float(p.hours_per_week),
            online=p.online,
            region=p.case_region,
        )
        for p in by_id.values()
    ]
    choice = choose_capstone(
        requirements=requirements,
        current=current,
        cohorts=cohorts,
        today=today or timezone.localdate(),
        prefecture=learner.prefecture,
        weekly_hours=float(learner.weekly_hours),
    )
    if choice is None:
        return None
    p = by_id[choice.course_id]
    return {
        "course": {
            "id": p.course_id,
            "provider": p.course.provider.name_ja,
            "code": p.course.code,
            "title": p.course.title_ja or p.course.title_en,
            "title_en": p.course.title_en,
        },
        "cohort_starts_on": p.cohort_starts_on.isoformat(),
        "cohort_ends_on": p.cohort_ends_on.isoformat(),
        "application_deadline": p.application_deadline.isoformat(),
        "hours_per_week": float(p.hours_per_week),
        "online": p.online,
        "region": p.case_region,
        "reason": choice.reason,
        "core_items": list(choice.core_items),
    }
