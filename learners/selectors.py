"""Reads about learners, always scoped to who is asking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from learners.models import SOURCE_RANK, Enrollment, LearnerProfile, SkillAssessment


@dataclass(frozen=True)
class CurrentLevel:
    level: int
    source: str
    assessed_at: datetime


def learner_current_levels(*, learner: LearnerProfile) -> dict[int, CurrentLevel]:
    """Skill item id -> current level.

    The rule (docs/learner-levels.md): take the latest assessment from each source
    (self, manager, course completion, exam); the current level is the highest of
    those; between equal levels the stronger evidence is named (exam > course
    completion > manager > self).  A learner can lower their own self-assessment,
    but never below what a course completion or an exam showed.
    """
    latest: dict[tuple[int, str], SkillAssessment] = {}
    for a in SkillAssessment.objects.filter(learner=learner).order_by("-assessed_at", "-pk"):
        latest.setdefault((a.skill_item_id, a.source), a)
    current: dict[int, CurrentLevel] = {}
    for (item_id, source), a in latest.items():
        best = current.get(item_id)
        candidate = CurrentLevel(a.level, source, a.assessed_at)
        if best is None or (a.level, SOURCE_RANK[source]) > (best.level, SOURCE_RANK[best.source]):
            current[item_id] = candidate
    return current


def enrollments_of(*, learner: LearnerProfile) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(learner=learner).select_related("course__provider")


def learner_profile_of(*, user: User | AnonymousUser) -> LearnerProfile | None:
    if not user.is_authenticated:
        return None
    return LearnerProfile.objects.filter(user_id=user.pk).select_related("target_role").first()
