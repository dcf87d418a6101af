"""Repair of dates outside their windows (docs/operations.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from common.input_checks import DUE_DATE_MAX_DAYS, EVENT_EARLIEST, EVENT_FUTURE_TOLERANCE
from learners.models import (
    Enrollment,
    EnrollmentStatus,
    LearnerProfile,
    ProgressEvent,
    SkillAssessment,
    TrackAssignment,
)
from learners.services.ingest import EventIn, _fold
from learners.services.rollups import org_rollups_refresh
from learners.signals import enrollments_changed, plans_outdated


@dataclass
class DateRepairReport:
    events: int
    enrollments: int
    assessments: int
    assignments: int
    learner_ids: list[int]

    @property
    def total(self) -> int:
        return self.events + self.enrollments + self.assessments + self.assignments


def _outside(name: str, earliest: datetime, latest: datetime) -> Q:
    return Q(**{f"{name}__lt": earliest}) | Q(**{f"{name}__gt": latest})


@transaction.atomic
def out_of_window_dates_repair(*, apply: bool, now: datetime | None = None) -> DateRepairReport:
    """Find stored dates outside their windows and, with `apply`, fix them; idempotent.

    Events: `occurred_at` outside 2000-01-01 .. now + 5 minutes becomes the time the server received
    the event.  Enrollments touched by such an event, or holding such a time themselves, are derived
    again from their events by the ingest's own rules; their learners are recounted nationally and
    re-planned.  Assessments outside the window get the repair time; track due dates outside
    2000-01-01 .. assigned + 5 years are brought to the nearest end of that window."""
    now = now or timezone.now()
    earliest, latest = EVENT_EARLIEST, now + EVENT_FUTURE_TOLERANCE
    events = ProgressEvent.objects.filter(_outside("occurred_at", earliest, latest))
    pairs = set(events.values_list("learner_id", "course_id"))
    enrollment_q = Q()
    for name in ("enrolled_at", "completed_at", "dropped_at", "last_event_at"):
        enrollment_q |= _outside(name, earliest, latest)
    pairs |= set(Enrollment.objects.filter(enrollment_q).values_list("learner_id", "course_id"))
    assessments = SkillAssessment.objects.filter(_outside("assessed_at", earliest, latest))
    first_day = EVENT_EARLIEST.date()
    assignments = list(
        TrackAssignment.objects.filter(
            Q(due_on__lt=first_day) | Q(due_on__gt=timezone.localdate(now) + timedelta(days=DUE_DATE_MAX_DAYS))
        ).only("pk", "assigned_on", "due_on")
    )
    learner_ids = sorted({lid for lid, _ in pairs} | set(assessments.values_list("learner_id", flat=True)))
    report = DateRepairReport(
        events=events.count(),
        enrollments=len(pairs),
        assessments=assessments.count(),
        assignments=len(assignments),
        learner_ids=learner_ids,
    )
    if not apply or not report.total:
        return report
    events.update(occurred_at=F("received_at"))
    for learner_id, course_id in sorted(pairs):
        _enrollment_refold(learner_id=learner_id, course_id=course_id, now=now)
    assessments.update(assessed_at=now)
    for assignment in assignments:
        start = max(assignment.assigned_on, first_day)
        assignment.due_on = min(max(assignment.due_on, start), start + timedelta(days=DUE_DATE_MAX_DAYS))
    TrackAssignment.objects.bulk_update(assignments, ["due_on"])
    if learner_ids:
        org_rollups_refresh(learner_ids=learner_ids)  # a moved assessment date can change a current level
        enrollments_changed.send(sender=Enrollment, learner_ids=learner_ids)  # national recount, same transaction
        plans_outdated.send(sender=LearnerProfile, learner_ids=learner_ids)  # re-planned after commit
    return report


def _enrollment_refold(*, learner_id: int, course_id: int, now: datetime) -> None:
    """Derive one enrollment again from its (repaired) events, in time order."""
    enrollment = Enrollment.objects.select_for_update().filter(learner_id=learner_id, course_id=course_id).first()
    if enrollment is None:
        return
    events = list(
        ProgressEvent.objects.filter(learner_id=learner_id, course_id=course_id).order_by("occurred_at", "pk")
    )
    enrollment.status, enrollment.percent = EnrollmentStatus.ENROLLED, 0
    enrollment.enrolled_at = events[0].occurred_at if events else now
    enrollment.completed_at = enrollment.dropped_at = enrollment.last_event_at = None
    for event in events:
        _fold(
            enrollment,
            EventIn(
                index=0,
                idempotency_key=event.idempotency_key,
                learner="",
                course=course_id,
                kind=event.kind,
                occurred_at=event.occurred_at,
                percent=event.percent,
                source=event.source,
            ),
        )
    enrollment.save()
