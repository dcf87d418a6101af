"""Shape checks for one progress event (as documented in ProgressEventInput), done by hand:
a DRF serializer per event costs more than storing the event."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from common.input_checks import event_time_problem
from learners.models import EventKind
from learners.services import EventIn, EventOutcome

KINDS = frozenset(EventKind.values)
FIELDS = frozenset({"idempotency_key", "learner", "course", "kind", "percent", "occurred_at", "source"})


def event_parse(index: int, item: Any) -> EventIn | EventOutcome:
    """An EventIn, or a rejected outcome whose reason names every bad field."""
    if not isinstance(item, dict):
        return EventOutcome(index, "", "rejected", "event: must be an object")
    key = item.get("idempotency_key")
    key_text = str(key)[:200] if key is not None else ""
    problems: list[str] = []
    if not isinstance(key, str) or not key.strip() or len(key) > 200 or "\x00" in key:
        problems.append("idempotency_key: a text of 1-200 characters is required")
    unknown = sorted(set(item) - FIELDS)
    if unknown:
        problems.append(f"{unknown[0]}: unknown field")
    learner = item.get("learner")
    try:
        learner_id = str(uuid.UUID(str(learner))) if learner is not None else ""
    except ValueError:
        learner_id = ""
    if not learner_id:
        problems.append("learner: a learner id (UUID) is required")
    course = item.get("course")
    if isinstance(course, str) and course.strip().isdigit():
        course = int(course.strip())
    elif isinstance(course, str):
        course = course.strip()
    if isinstance(course, bool) or not (
        isinstance(course, int) or (isinstance(course, str) and course and "\x00" not in course)
    ):
        problems.append("course: a course id or a course code is required")
    kind = item.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        problems.append(f"kind: {kind!r} is not one of {', '.join(sorted(KINDS))}")
    percent = item.get("percent")
    if percent is not None and (isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100):
        problems.append(f"percent: {percent!r} is not a whole number from 0 to 100")
    occurred: datetime | None = None
    raw_time = item.get("occurred_at")
    if isinstance(raw_time, str):
        try:
            occurred = parse_datetime(raw_time)
        except ValueError:
            occurred = None
    if occurred is None or occurred.tzinfo is None:
        problems.append("occurred_at: an ISO 8601 time with a time zone is required")
    elif problem := event_time_problem(occurred, now=timezone.now()):
        # 2000-01-01 .. now + 5 minutes: a year-1 time is stored as BC by PostgreSQL and cannot be read back.
        problems.append(f"occurred_at: {problem}")
    source = item.get("source", "") or ""
    if not isinstance(source, str) or len(source) > 100 or "\x00" in source:
        problems.append("source: text of at most 100 characters")
    if problems or occurred is None or not isinstance(key, str) or not isinstance(kind, str):
        return EventOutcome(index, key_text, "rejected", "; ".join(problems))
    return EventIn(
        index=index,
        idempotency_key=key,
        learner=learner_id,
        course=course,  # type: ignore[arg-type]
        kind=kind,
        occurred_at=occurred,
        percent=percent,
        source=source,
    )
