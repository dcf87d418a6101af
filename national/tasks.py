"""Celery entry points: take ids, call one idempotent service."""

from __future__ import annotations

from celery import shared_task

from national.services import national_catalog_sync, national_learners_recount


@shared_task(acks_late=True)
def national_catalog_sync_task() -> dict[str, int]:
    """After a catalog change: recount the learners of courses that started or stopped qualifying."""
    result = national_catalog_sync()
    return {
        "now_qualifying": len(result.now_qualifying),
        "no_longer_qualifying": len(result.no_longer_qualifying),
        "moved": result.recount.moved,
        "added": result.recount.added,
        "removed": result.recount.removed,
    }


@shared_task(acks_late=True)
def national_learners_recount_task(*, learner_ids: list[int]) -> int:
    """Recount a batch of learners (idempotent)."""
    result = national_learners_recount(learner_ids=learner_ids)
    return result.added + result.moved + result.removed
