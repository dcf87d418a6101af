"""Reactions of the recommender to other apps' signals (connected in RecommenderConfig.ready)."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.dispatch import receiver

from courses.signals import course_tags_reviewed


def _enqueue_calibration(tag_ids: list[int]) -> None:
    from common.queue import enqueue
    from recommender.tasks import tag_calibration_task

    enqueue(tag_calibration_task, tag_ids=tag_ids)


@receiver(course_tags_reviewed)
def retrain_after_review(sender: Any, tag_ids: list[int], **kwargs: Any) -> None:
    """A reviewer's accept or reject is a new label: refit the calibrated layer after the review commits."""
    transaction.on_commit(partial(_enqueue_calibration, list(tag_ids)))
