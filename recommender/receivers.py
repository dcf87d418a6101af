"""Reactions of the recommender to other apps' signals (connected in RecommenderConfig.ready).

Every signal here is sent inside the sender's transaction; the work is queued for after the commit
(`transaction.on_commit`, or an outbox intent written in the transaction: common/queue.py).
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.dispatch import receiver

from common.queue import enqueue, enqueue_on_commit
from courses.signals import catalog_version_changed, course_tags_reviewed, courses_imported
from learners.models import Enrollment, LearnerProfile
from learners.signals import courses_completed, learner_exporting, learner_page_sections, plans_outdated

REPLAN_CHUNK = 100  # learners per re-plan task


def _enqueue_calibration(tag_ids: list[int]) -> None:
    from recommender.tasks import tag_calibration_task

    enqueue(tag_calibration_task, tag_ids=tag_ids)


def _enqueue_tag_inference(course_ids: list[int]) -> None:
    from recommender.tasks import courses_infer_tags_task

    enqueue(courses_infer_tags_task, course_ids=course_ids)


def _enqueue_stale_plans() -> None:
    from recommender.tasks import stale_plans_refresh_task

    enqueue(stale_plans_refresh_task)


def _replan_on_commit(learner_ids: list[int]) -> None:
    """Write the re-plan intents in the sender's transaction; they are sent after its commit."""
    from recommender.tasks import learners_replan_task

    ids = sorted(set(learner_ids))
    for start in range(0, len(ids), REPLAN_CHUNK):
        enqueue_on_commit(learners_replan_task, learner_ids=ids[start : start + REPLAN_CHUNK])


@receiver(course_tags_reviewed)
def retrain_after_review(sender: Any, tag_ids: list[int], **kwargs: Any) -> None:
    """A reviewer's accept or reject is a new label: refit the calibrated layer after the review commits."""
    transaction.on_commit(partial(_enqueue_calibration, list(tag_ids)))


@receiver(courses_imported)
def infer_tags_after_import(sender: Any, course_ids: list[int], **kwargs: Any) -> None:
    """Imported courses without skill tags get proposed tags after the import commits."""
    transaction.on_commit(partial(_enqueue_tag_inference, list(course_ids)))


@receiver(catalog_version_changed)
def refresh_stale_plans(sender: Any, **kwargs: Any) -> None:
    """A new catalog version makes stored plans stale: recompute them after the change commits."""
    transaction.on_commit(_enqueue_stale_plans)


@receiver(courses_completed)
def replan_after_completions(sender: Any, completions: list[tuple[int, int, datetime]], **kwargs: Any) -> None:
    """A completed course changes what is left to learn: re-plan its learners."""
    _replan_on_commit([learner_id for learner_id, _course, _when in completions])


@receiver(plans_outdated)
def replan_outdated(sender: Any, learner_ids: list[int], **kwargs: Any) -> None:
    """Levels or enrollments changed outside a completion (exam evidence, repaired dates): re-plan."""
    _replan_on_commit(list(learner_ids))


@receiver(learner_exporting)
def plan_export_section(sender: Any, learner: LearnerProfile, **kwargs: Any) -> dict[str, Any]:
    """The stored plan, as the `plan` section of the learner's data export."""
    from recommender.selectors import learner_plan_export

    return learner_plan_export(learner=learner)


@receiver(learner_page_sections)
def plan_progress_section(
    sender: Any, learner: LearnerProfile, enrollments: list[Enrollment] | None = None, **kwargs: Any
) -> dict[str, Any]:
    """The plan's progress on /me/ (done and remaining courses, the next one), read from the stored plan and
    the enrollments the page already read (read here only when a sender does not give them)."""
    from recommender.selectors import learner_plan_progress

    progress = learner_plan_progress(learner=learner, enrollments=enrollments)
    return {"template": "recommender/_plan_progress.html", "order": 10, **progress}
