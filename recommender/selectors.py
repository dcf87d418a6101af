"""Reads of the recommender: a user's stored plan (the plan endpoint's fast path) and the batch re-planning
runs (progress for the command and the docs' checks)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Count, IntegerField, Q, Subquery, Sum
from django.utils import timezone

from courses.models import CatalogState
from learners.models import Enrollment, EnrollmentStatus, LearnerProfile
from learners.selectors import enrollments_of, export_iso
from recommender.models import LearnerPlan, ReplanChunkStatus, ReplanRun


def fresh_plan_for_user(*, user_id: int) -> LearnerPlan | None:
    """The user's own stored plan if it was made for the current catalog version; None when
    there is none or it is stale.  One query: the catalog version is read in the same statement."""
    current = CatalogState.objects.filter(pk=1).values("version")[:1]
    plan = (
        LearnerPlan.objects.filter(learner__user_id=user_id)
        .annotate(current_version=Subquery(current, output_field=IntegerField()))
        .first()
    )
    if plan is None or plan.catalog_version != (plan.current_version or 0):
        return None
    return plan


@dataclass(frozen=True)
class ReplanProgress:
    run: ReplanRun
    chunks_done: int
    learners_done: int  # learners of the chunks done
    planned: int  # plans recomputed by the run's chunks so far
    seconds: float  # since the run started, until it finished (or now)

    @property
    def per_second(self) -> float:
        return self.planned / self.seconds if self.seconds > 0 else 0.0


def replan_run_latest() -> ReplanRun | None:
    """The most recent re-planning run, whatever its status."""
    return ReplanRun.objects.order_by("-pk").first()


def replan_run_progress(*, run: ReplanRun) -> ReplanProgress:
    """Chunks done and plans recomputed so far (one query, plus the run's row read again)."""
    run.refresh_from_db()
    done = Q(status=ReplanChunkStatus.DONE)
    totals = run.chunk_set.aggregate(
        chunks_done=Count("pk", filter=done), learners_done=Sum("learners", filter=done), planned=Sum("planned")
    )
    end = run.finished_at or timezone.now()
    return ReplanProgress(
        run=run,
        chunks_done=totals["chunks_done"] or 0,
        learners_done=totals["learners_done"] or 0,
        planned=totals["planned"] or 0,
        seconds=max((end - run.created_at).total_seconds(), 0.0),
    )


def learner_plan_export(*, learner: LearnerProfile) -> dict[str, Any]:
    """The learner's stored plan, as a section of the learner export (None: no plan stored)."""
    plan = LearnerProfile.objects.filter(pk=learner.pk).values_list(
        "plan__payload", "plan__computed_at", "plan__catalog_version"
    )[0]
    return {
        "plan": (
            None
            if plan[1] is None
            else {"computed_at": export_iso(plan[1]), "catalog_version": plan[2], "payload": plan[0]}
        ),
    }


@dataclass(frozen=True)
class PlanDemand:
    """What the stored plans ask of the catalog, as counts of people (no person is named).

    `unmet[(code, level)]`: learners whose plan names the core item `code` as having no allowed course for
    its next level `level` (the plan's `core.no_course`; the level is the one the plan leaves it at, plus
    one).  `gap[(code, level)]`: learners whose core gap on `code` spans `level` (current < level <= target).
    `prefecture_unmet[p]` / `prefecture_gap[p]`: learners living in prefecture `p` with at least one unmet
    core item / at least one core gap.  `plans`: the plans read."""

    unmet: dict[tuple[str, int], int]
    gap: dict[tuple[str, int], int]
    prefecture_unmet: dict[str, int]
    prefecture_gap: dict[str, int]
    plans: int


def plan_demand() -> PlanDemand:
    """One query over the stored plans (only their `core` part and the learner's prefecture), counted with
    numpy.  A learner counts at most once per item × level (an item appears once in a plan's core)."""
    unmet_keys: list[str] = []
    unmet_levels: list[int] = []
    gap_keys: list[str] = []
    gap_levels: list[int] = []
    prefecture_unmet: dict[str, int] = {}
    prefecture_gap: dict[str, int] = {}
    plans = 0
    rows = LearnerPlan.objects.values_list("learner__prefecture", "payload__core").order_by()
    for prefecture, core in rows.iterator(chunk_size=5000):
        plans += 1
        if not isinstance(core, dict):
            continue
        planned = {}
        for g in core.get("gaps") or ():
            code, current, after, target = g.get("code"), g.get("current"), g.get("planned"), g.get("target")
            if not isinstance(code, str) or not all(isinstance(v, int) for v in (current, after, target)):
                continue
            planned[code] = after
            for level in range(current + 1, target + 1):
                gap_keys.append(code)
                gap_levels.append(level)
        no_course = [c for c in core.get("no_course") or () if c in planned]
        for code in no_course:
            unmet_keys.append(code)
            unmet_levels.append(planned[code] + 1)
        if prefecture:
            if planned:
                prefecture_gap[prefecture] = prefecture_gap.get(prefecture, 0) + 1
            if no_course:
                prefecture_unmet[prefecture] = prefecture_unmet.get(prefecture, 0) + 1
    return PlanDemand(
        unmet=_count_pairs(unmet_keys, unmet_levels),
        gap=_count_pairs(gap_keys, gap_levels),
        prefecture_unmet=prefecture_unmet,
        prefecture_gap=prefecture_gap,
        plans=plans,
    )


def _count_pairs(codes: list[str], levels: list[int]) -> dict[tuple[str, int], int]:
    """Occurrences of each (code, level), counted with numpy (a pair is encoded as code index * 8 + level)."""
    if not codes:
        return {}
    names, index = np.unique(np.array(codes), return_inverse=True)
    keys, counts = np.unique(index.astype(np.int64) * 8 + np.asarray(levels, dtype=np.int64), return_counts=True)
    return {(str(names[k // 8]), int(k % 8)): int(n) for k, n in zip(keys, counts, strict=True)}


def learner_plan_progress(
    *, learner: LearnerProfile, enrollments: Sequence[Enrollment] | None = None
) -> dict[str, Any]:
    """How far the learner is through their stored plan (/me/ shows it; nothing is computed here).

    `done`: courses they completed; `remaining`: the plan's courses not completed yet, in plan order (a course
    completed since the plan was stored counts as done, before the re-plan catches up); `next`: the first of
    them; `total`: done + remaining, the plan page's count.  `has_plan` is False until a plan is stored.
    `enrollments`: the learner's, when the caller has read them already (one query less)."""
    plan = LearnerPlan.objects.filter(learner=learner).values_list("payload", flat=True).first()
    if enrollments is None:
        enrollments = list(enrollments_of(learner=learner))
    completed = [e for e in enrollments if e.status == EnrollmentStatus.COMPLETED]
    completed.sort(key=lambda e: e.completed_at or e.enrolled_at, reverse=True)
    done_ids = {e.course_id for e in completed}
    remaining = [item for item in (plan or {}).get("items", []) if item["course"]["id"] not in done_ids]
    return {
        "has_plan": plan is not None,
        "done": len(completed),
        "remaining": remaining,
        "remaining_count": len(remaining),
        "total": len(completed) + len(remaining),
        "next": remaining[0] if remaining else None,
        "completed": completed[:5],
        "message": (plan or {}).get("message", ""),
    }
