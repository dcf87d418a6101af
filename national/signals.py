"""Changes that do not pass through the ingest still reach the rollup in the same transaction.

- deleting a learner (right to erasure, or deleting the user account) takes them out of the cells;
- the progress ingest and the date repair announce `enrollments_changed` inside their transaction:
  their learners are recounted in it (a failed ingest counts nothing);
- an enrollment saved or deleted one row at a time (admin, shell) recounts its learner;
- a catalog change (a new catalog version) recounts, after commit, the learners of courses that
  started or stopped qualifying.
The progress ingest writes enrollments in bulk (no model signals) and sends `enrollments_changed`.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from courses.signals import catalog_version_changed
from learners.models import Enrollment, LearnerProfile
from learners.signals import enrollments_changed, learner_erasing, learner_exporting
from national.selectors import national_count_export
from national.services import national_learner_forget, national_learners_recount


@receiver(learner_erasing)
def learner_erasing_forget(sender: Any, learner: LearnerProfile, **kwargs: Any) -> None:
    """`learners.services.learner_account_delete` announces an erasure first, in its transaction."""
    national_learner_forget(learner_id=learner.pk)


@receiver(learner_exporting)
def learner_export_section(sender: Any, learner: LearnerProfile, **kwargs: Any) -> dict[str, Any]:
    """How the learner is counted nationally, as the `national_count` section of their data export."""
    return {"national_count": national_count_export(learner=learner)}


@receiver(pre_delete, sender=LearnerProfile)
def learner_deleted(sender: Any, instance: LearnerProfile, **kwargs: Any) -> None:
    national_learner_forget(learner_id=instance.pk)


@receiver([post_save, post_delete], sender=Enrollment)
def enrollment_changed(sender: Any, instance: Enrollment, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return  # loaddata
    national_learners_recount(learner_ids=[instance.learner_id])


@receiver(enrollments_changed)
def enrollments_recount(sender: Any, learner_ids: list[int], **kwargs: Any) -> None:
    """Completions changed in the sender's transaction: recount those learners in it."""
    national_learners_recount(learner_ids=learner_ids)


@receiver(catalog_version_changed)
def catalog_changed(sender: Any, **kwargs: Any) -> None:
    transaction.on_commit(_enqueue_catalog_sync)  # idempotent and cheap: it compares the qualifying sets


def _enqueue_catalog_sync() -> None:
    from common.queue import enqueue
    from national.tasks import national_catalog_sync_task

    enqueue(national_catalog_sync_task)  # with the broker down it waits in the outbox (common/queue.py)
