"""Celery entry points: take ids, call one idempotent service, own retries."""

from __future__ import annotations

from celery import shared_task

from recommender.core.encoders import EncoderUnavailable
from recommender.services import (
    course_tags_infer,
    plan_refresh,
    replan_chunk_process,
    replan_run_start,
    stale_plan_learner_ids,
)


@shared_task(bind=True, acks_late=True, max_retries=3)
def courses_infer_tags_task(self, *, course_ids: list[int]) -> int:  # type: ignore[no-untyped-def]
    try:
        return course_tags_infer(course_ids=course_ids)
    except EncoderUnavailable as exc:
        raise self.retry(exc=exc, countdown=30) from exc


@shared_task(acks_late=True)
def learners_replan_task(*, learner_ids: list[int]) -> int:
    """Re-plan a batch of learners (after a catalog change or their completions)."""
    for learner_id in learner_ids:
        plan_refresh(learner_id=learner_id)
    return len(learner_ids)


@shared_task(acks_late=True)
def stale_plans_refresh_task() -> int:
    """After a catalog change: start the batch re-planning run (chunks enqueued); returns its learners.
    Every catalog version change queues it (recommender/receivers.py): with no stale plan it starts no run."""
    if not stale_plan_learner_ids(limit=1):
        return 0
    return replan_run_start().learners


@shared_task(bind=True, acks_late=True)
def replan_chunk_task(self, *, run_id: int, chunk_id: int) -> int:  # type: ignore[no-untyped-def]
    """One chunk of a re-planning run; safe to deliver twice (see replan_chunk_process)."""
    return replan_chunk_process(run_id=run_id, chunk_id=chunk_id, worker=self.request.hostname or "").planned


@shared_task(bind=True, acks_late=True, max_retries=3)
def tag_calibration_task(self, *, tag_ids: list[int]) -> int:  # type: ignore[no-untyped-def]
    """After staff reviews (`tag_ids`): refit the calibrated tagging layer for the labels as they are now.
    Idempotent: the layer is stored per state of the labels, so a repeat (or a later task that already
    saw these reviews) fits nothing.  Returns the stored calibration's id."""
    from recommender.learning import tag_calibration_refresh
    from skills.selectors import standard_version_get

    try:
        return tag_calibration_refresh(version=standard_version_get()).pk
    except EncoderUnavailable as exc:
        raise self.retry(exc=exc, countdown=30) from exc


@shared_task(acks_late=True)
def course_effects_task() -> int:
    """Recompute measured course effectiveness (periodic, EFFECT_RECOMPUTE_SECONDS; and after completions,
    recommender/receivers.py).  A full recompute, so running it twice stores the same estimates.  Returns the
    (course, item) estimates stored."""
    from recommender.services import course_effects_recompute

    return len(course_effects_recompute().effects)
