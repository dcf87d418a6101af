"""Reads of the recommender's batch re-planning runs (progress for the command and the docs' checks)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.utils import timezone

from recommender.models import ReplanChunkStatus, ReplanRun


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
