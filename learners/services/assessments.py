"""Skill assessments: appended, never overwritten (the current level is derived in selectors)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from learners.models import AssessmentSource, LearnerProfile, SkillAssessment
from learners.signals import levels_recorded
from skills.models import SkillItem


@transaction.atomic
def skill_assessments_record(
    *,
    learner: LearnerProfile,
    levels: dict[SkillItem, int],
    source: str = AssessmentSource.SELF,
    recorded_by: User | None = None,
    note: str = "",
) -> list[SkillAssessment]:
    """Append assessments (history is kept; the current level is derived, see selectors)."""
    now = timezone.now()
    rows = [
        SkillAssessment(
            learner=learner,
            skill_item=item,
            level=level,
            source=source,
            note=note,
            recorded_by=recorded_by,
            assessed_at=now,
        )
        for item, level in levels.items()
    ]
    stored = SkillAssessment.objects.bulk_create(rows)
    if stored:
        levels_recorded.send(sender=SkillAssessment, assessments=stored)
    return stored
