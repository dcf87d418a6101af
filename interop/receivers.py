"""Hooks into the learners app: completions and new levels feed the xAPI outbox and credentials."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.dispatch import receiver

from learners.models import LearnerProfile, SkillAssessment
from learners.signals import courses_completed, learner_erasing, learner_exporting, levels_recorded


def _award_after_commit(learner_ids: set[int]) -> None:
    from common.queue import enqueue_on_commit
    from interop.tasks import credentials_award_task

    ids = sorted(learner_ids)
    # The intent is written in this transaction and sent after the commit (common/queue.py).
    for start in range(0, len(ids), 100):
        enqueue_on_commit(credentials_award_task, learner_ids=ids[start : start + 100])


@receiver(courses_completed)
def on_courses_completed(sender: Any, completions: list[tuple[int, int, datetime]], **kwargs: Any) -> None:
    from interop.services import xapi_completions_record

    xapi_completions_record(completions=completions)
    _award_after_commit({learner_id for learner_id, _c, _w in completions})


@receiver(levels_recorded)
def on_levels_recorded(sender: Any, assessments: list[SkillAssessment], **kwargs: Any) -> None:
    from interop.services import xapi_level_changes_record

    xapi_level_changes_record(assessments=assessments)
    _award_after_commit({a.learner_id for a in assessments})


@receiver(learner_erasing)
def on_learner_erasing(sender: Any, learner: LearnerProfile, **kwargs: Any) -> None:
    from interop.services import learner_interop_erase

    learner_interop_erase(learner=learner)


@receiver(learner_exporting)
def on_learner_exporting(sender: Any, learner: LearnerProfile, **kwargs: Any) -> dict[str, Any]:
    from interop.selectors import learner_interop_export

    return learner_interop_export(learner=learner)
