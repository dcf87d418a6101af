"""Writes of the recommender: a learner's plan, inferred course tags.  Both are safe to repeat."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.db import transaction

from courses.models import Course, CourseSkill
from courses.selectors import catalog_version
from courses.services import course_skill_propose
from learners.models import EnrollmentStatus, LearnerProfile, SkillAssessment
from learners.selectors import learner_current_levels
from recommender.core.plan import Constraints
from recommender.engine import course_text, course_vectors_sync
from recommender.models import LearnerPlan
from recommender.planning import infer, plan_for, plan_json
from skills.models import SkillItem
from skills.selectors import standard_version_get

DEFAULT_WEEKS = 12
INFERRED_TAGS_PER_COURSE = 2
MIN_INFERRED_SCORE = 0.5


def learner_constraints(*, learner: LearnerProfile, overrides: dict[str, Any] | None = None) -> Constraints:
    """The learner's limits from their profile, with optional overrides (weeks, weekly_hours, ...)."""
    values: dict[str, Any] = {
        "weekly_hours": float(learner.weekly_hours) or 1.0,
        "weeks": DEFAULT_WEEKS,
        "budget_jpy": 0 if learner.free_only else int(learner.budget_jpy),
        "free_only": learner.free_only,
        "formats": tuple(learner.preferred_formats or ()),
        "language": "",
    }
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    values["formats"] = tuple(values["formats"])
    return Constraints(**values)


def plan_compute(*, learner: LearnerProfile, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The plan for a learner now (read-only): gaps of the target role, minus what they study."""
    if learner.target_role is None:
        return {
            "gaps": [],
            "items": [],
            "totals": {},
            "needs_literacy": False,
            "message": "Choose a target role first.",
        }
    limits = learner_constraints(learner=learner, overrides=overrides)
    codes = dict(SkillItem.objects.filter(version=learner.target_role.version).values_list("pk", "code"))
    current = {codes[k]: v.level for k, v in learner_current_levels(learner=learner).items() if k in codes}
    studying = frozenset(
        learner.enrollments.exclude(status=EnrollmentStatus.DROPPED).values_list("course_id", flat=True)
    )
    assigned = [
        item.course_id
        for assignment in learner.track_assignments.select_related("track").order_by("due_on")
        for item in assignment.track.items.order_by("position")
    ]
    literacy = SkillAssessment.objects.filter(learner=learner, source__in=["course", "exam"]).exists() or bool(current)
    gaps, plan = plan_for(
        role=learner.target_role,
        current=current,
        limits=limits,
        literacy_evidence=literacy,
        exclude=studying,
        assigned=assigned,
    )
    data = plan_json(gaps, plan)
    data["constraints"] = {**asdict(limits), "formats": list(limits.formats)}
    return data


@transaction.atomic
def plan_refresh(*, learner_id: int, overrides: dict[str, Any] | None = None) -> LearnerPlan:
    """Recompute and store a learner's plan (upsert: running it twice leaves one plan)."""
    learner = LearnerProfile.objects.select_related("target_role__version").get(pk=learner_id)
    data = plan_compute(learner=learner, overrides=overrides)
    plan, _ = LearnerPlan.objects.update_or_create(
        learner=learner,
        defaults={"catalog_version": catalog_version(), "constraints": data.get("constraints", {}), "payload": data},
    )
    return plan


def course_tags_infer(*, course_ids: list[int]) -> int:
    """Propose inferred tags for courses that have none declared; returns how many new tags there are.

    Idempotent: `course_skill_propose` skips items a course already has and items a reviewer rejected."""
    courses = list(Course.objects.filter(pk__in=course_ids, needs_skill_inference=True).order_by("pk"))
    if not courses:
        return 0
    version = standard_version_get()
    items = {i.code: i for i in SkillItem.objects.filter(version=version)}
    texts = [course_text(c) for c in courses]
    index = course_vectors_sync(courses=courses)  # stored: encoded once per text and model
    vectors = index.vectors_for([c.pk for c in courses], index.matrix.shape[1]) if index.ids else None
    before = CourseSkill.objects.filter(course__in=courses).count()
    results = infer(version=version, texts=texts, top_k=INFERRED_TAGS_PER_COURSE, query_vectors=vectors)
    for course, result in zip(courses, results, strict=True):
        for rank, guess in enumerate(result["skills"]):
            if rank > 0 and guess["score"] < MIN_INFERRED_SCORE:
                continue
            confidence = round(min(1.0, guess["score"]), 3)
            course_skill_propose(
                course=course, skill_item=items[guess["code"]], level=guess["level"], confidence=confidence
            )
    return CourseSkill.objects.filter(course__in=courses).count() - before


def plan_current(*, learner: LearnerProfile) -> LearnerPlan:
    """The stored plan, recomputed first if the catalog changed since it was made."""
    stored = LearnerPlan.objects.filter(learner=learner).first()
    if stored is None or stored.catalog_version != catalog_version():
        return plan_refresh(learner_id=learner.pk)
    return stored


def stale_plan_learner_ids(*, limit: int | None = None) -> list[int]:
    """Learners whose stored plan predates the current catalog (the ones a catalog change affects)."""
    ids = LearnerPlan.objects.exclude(catalog_version=catalog_version()).order_by("learner_id")
    values = ids.values_list("learner_id", flat=True)
    return list(values[:limit] if limit else values)
