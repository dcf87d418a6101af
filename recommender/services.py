"""Writes of the recommender: a learner's plan, inferred course tags, batch re-planning runs.  All are safe
to repeat."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from common.limits import WEEKS_DEFAULT
from courses.models import Course, CourseSkill
from courses.selectors import active_tags, catalog_version
from courses.services import EffectRow, course_effects_store, course_skill_propose
from learners.models import LearnerProfile, Organization, Track
from learners.selectors import completion_evidence
from learners.services import learner_profile_get_or_create, track_create_and_assign
from recommender.capstone import capstone_for
from recommender.core.effectiveness import Completion, EffectEstimate, Observation
from recommender.core.effectiveness import estimate as effects_estimate
from recommender.core.plan import Constraints
from recommender.engine import course_catalog, course_vectors_sync
from recommender.inputs import catalog_state, course_text, learner_inputs, role_profile
from recommender.models import LearnerPlan, ReplanChunk, ReplanChunkStatus, ReplanRun, ReplanRunStatus
from recommender.planning import infer, plan_for, plan_json
from recommender.selectors import fresh_plan_for_user
from recommender.whatif import what_if
from skills.models import Role, SkillItem
from skills.selectors import standard_version_get

DEFAULT_WEEKS = WEEKS_DEFAULT
# The plan's answer to a weekly_hours of 0 stored before the bounds of common/limits.py (0.5 to 80).
WEEKLY_HOURS_ZERO_MESSAGE = gettext_noop(
    "weekly_hours: your study hours per week are 0; set 0.5 to 80 in your profile to get a plan."
)


def learner_constraints(*, learner: LearnerProfile, overrides: dict[str, Any] | None = None) -> Constraints:
    """The learner's limits from their profile, with optional overrides (weeks, weekly_hours, ...).

    ValueError naming the field when a limit is not usable (a stored weekly_hours of 0 is not a pace)."""
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    weeks = given.pop("weeks", DEFAULT_WEEKS)
    return Constraints.from_profile(learner, weeks=weeks, overrides={"language": "", **given})


def _weekly_hours_missing(learner: LearnerProfile, overrides: dict[str, Any] | None) -> bool:
    """A weekly_hours of 0 stored before the bounds (common/limits.py), and no override for it."""
    return not float(learner.weekly_hours) and (overrides or {}).get("weekly_hours") is None


def plan_compute(
    *, learner: LearnerProfile, overrides: dict[str, Any] | None = None, stored: LearnerPlan | None = None
) -> dict[str, Any]:
    """The plan for a learner now (read-only): gaps of the target role, minus what they study.  `stored`: their
    current stored plan, when the caller has it (its unstarted courses are kept).  The catalog version the plan
    was made from is under `_catalog_version`."""
    if learner.target_role is None:
        return {
            "gaps": [],
            "items": [],
            "totals": {},
            "needs_literacy": False,
            "message": "Choose a target role first.",
        }
    if _weekly_hours_missing(learner, overrides):
        return {
            "gaps": [],
            "items": [],
            "totals": {},
            "needs_literacy": False,
            "message": WEEKLY_HOURS_ZERO_MESSAGE,
        }
    limits = learner_constraints(learner=learner, overrides=overrides)
    role = learner.target_role
    profile = role_profile(role=role)
    inputs = learner_inputs(
        learner=learner, profile=profile, stored_payload=None if stored is None else (stored.payload or {})
    )
    state = catalog_state()
    gaps, plan = plan_for(
        role=role,
        profile=profile,
        catalog=course_catalog(version=role.version, state=state),
        current=inputs.current,
        limits=limits,
        literacy_evidence=inputs.literacy_evidence,
        exclude=inputs.finished,
        assigned=inputs.assigned,
        enrolled=inputs.studying,
        previous=inputs.previous,
    )
    data = plan_json(gaps, plan)
    data["capstone"] = capstone_for(learner=learner, current=inputs.current)  # after the builder, never inside it
    data["constraints"] = {**asdict(limits), "formats": list(limits.formats)}
    data["_catalog_version"] = state[0]
    return data


@transaction.atomic
def plan_refresh(*, learner_id: int, overrides: dict[str, Any] | None = None) -> LearnerPlan:
    """Recompute and store a learner's plan (upsert: running it twice leaves one plan, revision +2)."""
    learner = LearnerProfile.objects.select_related("target_role__version").get(pk=learner_id)
    stored = LearnerPlan.objects.select_for_update().filter(learner=learner).first()
    return _plan_store(learner=learner, stored=stored, overrides=overrides)


def _plan_store(
    *, learner: LearnerProfile, stored: LearnerPlan | None, overrides: dict[str, Any] | None = None
) -> LearnerPlan:
    """Compute and save the plan, revision + 1.  The caller's transaction holds the lock on `stored`."""
    data = plan_compute(learner=learner, overrides=overrides, stored=stored)
    version = data.pop("_catalog_version", None)
    fields = {
        "catalog_version": catalog_version() if version is None else version,
        "constraints": data.get("constraints", {}),
        "payload": data,
    }
    if stored is None:
        try:
            with transaction.atomic():
                return LearnerPlan.objects.create(learner=learner, revision=1, **fields)
        except IntegrityError:  # another transaction stored this learner's first plan meanwhile: replace it
            stored = LearnerPlan.objects.select_for_update().get(learner=learner)
    for name, value in fields.items():
        setattr(stored, name, value)
    stored.revision += 1
    stored.save()
    return stored


def course_tags_infer(*, course_ids: list[int]) -> int:
    """Propose inferred tags (calibrated probability as confidence, supporting sentences as evidence) for
    courses that have none declared; returns how many new tags there are.

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
    results = infer(version=version, texts=texts, query_vectors=vectors)  # the tags above the threshold
    for course, result in zip(courses, results, strict=True):
        for guess in result["skills"]:
            course_skill_propose(
                course=course,
                skill_item=items[guess["code"]],
                level=guess["level"],
                confidence=round(min(1.0, max(0.0, guess["probability"])), 3),
                evidence=guess["evidence"],
            )
    return CourseSkill.objects.filter(course__in=courses).count() - before


def plan_current_for_user(*, user: Any) -> LearnerPlan:
    """The user's current plan: the stored one when it is fresh (one query), else created or recomputed."""
    stored = fresh_plan_for_user(user_id=user.pk)
    if stored is not None:
        return stored
    return plan_current(learner=learner_profile_get_or_create(user=user))


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


# --- Batch re-planning after a catalog change (docs/replanning.md) ---------------------------------


def replan_run_start(*, chunk_size: int | None = None) -> ReplanRun:
    """The run for the current catalog version.  If one is unfinished, it is returned as it is; otherwise a
    new run (superseding an unfinished run for an older version) is split into chunks of `chunk_size`
    learners by keyset over learner ids, and its chunks are enqueued after commit."""
    size = chunk_size or settings.RECOMMENDER_REPLAN_CHUNK_SIZE
    if size < 1:
        raise ValueError("chunk_size must be at least 1")
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _replan_run_create(chunk_size=size)
        except IntegrityError:  # a concurrent start created the running run first: look again
            if attempt:
                raise
    raise AssertionError("unreachable")


def _replan_run_create(*, chunk_size: int) -> ReplanRun:
    target = catalog_version()
    running = ReplanRun.objects.select_for_update().filter(status=ReplanRunStatus.RUNNING).first()
    if running is not None:
        if running.catalog_version >= target:
            return running
        running.status, running.finished_at = ReplanRunStatus.SUPERSEDED, timezone.now()
        running.save(update_fields=["status", "finished_at"])
    run = ReplanRun.objects.create(catalog_version=target, chunk_size=chunk_size)
    stale = (
        LearnerPlan.objects.filter(catalog_version__lt=target)
        .order_by("learner_id")
        .values_list("learner_id", flat=True)
    )
    chunks: list[ReplanChunk] = []
    after = 0
    while ids := list(stale.filter(learner_id__gt=after)[:chunk_size]):
        chunks.append(ReplanChunk(run=run, first_learner_id=ids[0], last_learner_id=ids[-1], learners=len(ids)))
        after = ids[-1]
    ReplanChunk.objects.bulk_create(chunks, batch_size=1000)
    run.chunks, run.learners = len(chunks), sum(c.learners for c in chunks)
    if not chunks:
        run.status, run.finished_at = ReplanRunStatus.DONE, timezone.now()
    run.save(update_fields=["chunks", "learners", "status", "finished_at"])
    pending = list(run.chunk_set.order_by("first_learner_id").values_list("pk", flat=True))
    transaction.on_commit(partial(_replan_chunks_enqueue, run.pk, pending))
    return run


def replan_run_resume(*, chunk_size: int | None = None) -> ReplanRun | None:
    """Finish the unfinished run: enqueue again its chunks not done (a chunk sent twice plans nobody twice).
    If the catalog changed since that run started, a new run for the current version supersedes it.
    None when no run is unfinished."""
    running = ReplanRun.objects.filter(status=ReplanRunStatus.RUNNING).first()
    if running is None:
        return None
    if running.catalog_version < catalog_version():
        return replan_run_start(chunk_size=chunk_size)
    pending = list(
        running.chunk_set.filter(status=ReplanChunkStatus.PENDING)
        .order_by("first_learner_id")
        .values_list("pk", flat=True)
    )
    transaction.on_commit(partial(_replan_chunks_enqueue, running.pk, pending))
    return running


def _replan_chunks_enqueue(run_id: int, chunk_ids: list[int]) -> None:
    from common.queue import enqueue
    from recommender.tasks import replan_chunk_task

    for chunk_id in chunk_ids:
        enqueue(replan_chunk_task, run_id=run_id, chunk_id=chunk_id)


def replan_chunk_process(*, run_id: int, chunk_id: int, worker: str = "") -> ReplanChunk:
    """Re-plan each learner of the chunk whose stored plan is older than the run's catalog version.

    Idempotent and safe to run twice at once: each learner is planned in its own transaction, under the
    lock of their plan row and only if the plan is still older than the target once the lock is held, so a
    redelivered or duplicated chunk plans nobody twice.  The chunk is marked done in the transaction of its
    last learner (the run too, with its last chunk); a done chunk or a superseded run does nothing."""
    with transaction.atomic():
        chunk = (
            ReplanChunk.objects.select_for_update(of=("self",)).select_related("run").get(pk=chunk_id, run_id=run_id)
        )
        if chunk.status == ReplanChunkStatus.DONE or chunk.run.status == ReplanRunStatus.SUPERSEDED:
            return chunk
        chunk.attempts += 1
        chunk.started_at, chunk.worker = timezone.now(), worker[:200]
        chunk.save(update_fields=["attempts", "started_at", "worker"])
    target = chunk.run.catalog_version
    learner_ids = list(
        LearnerPlan.objects.filter(
            learner_id__gte=chunk.first_learner_id,
            learner_id__lte=chunk.last_learner_id,
            catalog_version__lt=target,
        )
        .order_by("learner_id")
        .values_list("learner_id", flat=True)
    )
    for n, learner_id in enumerate(learner_ids, start=1):
        with transaction.atomic():
            stored = (
                LearnerPlan.objects.select_for_update(of=("self",))
                .select_related("learner__target_role__version")
                .filter(learner_id=learner_id, catalog_version__lt=target)  # checked again under the lock
                .first()
            )
            if stored is not None:
                _plan_store(learner=stored.learner, stored=stored)
                ReplanChunk.objects.filter(pk=chunk.pk).update(planned=F("planned") + 1)
            if n == len(learner_ids):
                _replan_chunk_finish(chunk=chunk)
    if not learner_ids:
        with transaction.atomic():
            _replan_chunk_finish(chunk=chunk)
    chunk.refresh_from_db()
    return chunk


def _replan_chunk_finish(*, chunk: ReplanChunk) -> None:
    """Mark the chunk done, and the run with its last chunk (the run's row lock orders the chunks' ends)."""
    run = ReplanRun.objects.select_for_update().get(pk=chunk.run_id)
    now = timezone.now()
    ReplanChunk.objects.filter(pk=chunk.pk, status=ReplanChunkStatus.PENDING).update(
        status=ReplanChunkStatus.DONE, finished_at=now
    )
    if run.status == ReplanRunStatus.RUNNING and not run.chunk_set.filter(status=ReplanChunkStatus.PENDING).exists():
        run.status, run.finished_at = ReplanRunStatus.DONE, now
        run.save(update_fields=["status", "finished_at"])


# --- An employer's what-if, confirmed (docs/what-if.md) ----------------------------------------------


@transaction.atomic
def what_if_confirm(
    *,
    organization: Organization,
    members: Sequence[LearnerProfile],
    target_role: Role,
    budget_per_person: int,
    weekly_hours: float,
    deadline: date,
    name: str,
    created_by: User | None = None,
) -> Track:
    """The employer confirms a what-if: its scenario is computed again now (never taken from the client) and its
    courses become one track, assigned to the group and due on the deadline (`track_create_and_assign`).
    TrackError naming the field when there is no course to assign; WhatIfError for a question out of range."""
    result = what_if(
        organization=organization,
        members=members,
        target_role=target_role,
        budget_per_person=budget_per_person,
        weekly_hours=weekly_hours,
        deadline=deadline,
    )
    wanted = [row["course"] for row in result["scenarios"]["a"]["track"]]
    found = Course.objects.in_bulk(wanted)
    return track_create_and_assign(
        organization=organization,
        name=name,
        courses=[found[pk] for pk in wanted if pk in found],
        learners=list(members),
        due_on=deadline,
        target_role=target_role,
        created_by=created_by,
    )


# --- Measured course effectiveness (docs/effectiveness.md) -----------------------------------------


def course_effects_recompute() -> EffectEstimate:
    """Recompute every course's measured effectiveness from completions and later evidence and store it
    (docs/effectiveness.md).  A full recompute: running it twice stores the same estimates."""
    completion_rows, assessment_rows = completion_evidence()
    claims: dict[int, dict[str, int]] = {}
    for course_id, item_id, level in active_tags().values_list("course_id", "skill_item_id", "level"):
        claims.setdefault(course_id, {})[str(item_id)] = level
    completions = [
        Completion(learner_id, course_id, completed_at, claims[course_id])
        for learner_id, course_id, completed_at in completion_rows
        if completed_at is not None and claims.get(course_id)
    ]
    observations = [
        Observation(learner_id, str(item_id), float(level), source, assessed_at)
        for learner_id, item_id, level, source, assessed_at in assessment_rows
    ]
    result = effects_estimate(completions, observations)
    course_effects_store(
        rows=[
            EffectRow(
                course_id=e.course,
                skill_item_id=int(e.item),
                learners=e.n,
                weight=e.weight,
                claimed_level=e.claimed_level,
                mean_level=e.mean_level,
                shrunk_level=e.shrunk_level,
                credibility=e.credibility,
            )
            for e in result.effects
        ]
    )
    return result
