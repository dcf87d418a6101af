"""A reloaded exam map recomputes the exam evidence of everyone holding a pass of a changed exam."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from learners.exam_services import exam_evidence_sync
from learners.models import ExamPass
from skills.signals import exam_map_changed


@receiver(exam_map_changed)
def on_exam_map_changed(sender: Any, exam_ids: list[int], **kwargs: Any) -> None:
    ids = list(ExamPass.objects.filter(exam_id__in=exam_ids).values_list("learner_id", flat=True).distinct())
    exam_evidence_sync(learner_ids=ids)
