"""Employers' tracks: ordered courses and their assignment to members."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record
from common.input_checks import due_date_problem
from common.messages import Message
from courses.models import Course
from learners.models import LearnerProfile, Membership, Organization, Track, TrackAssignment, TrackCourse
from skills.models import Role


class TrackError(ValueError):
    """A track or assignment request that cannot be carried out; `field` names the input."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@transaction.atomic
def track_create(
    *,
    organization: Organization,
    name: str,
    courses: Sequence[tuple[Course, int, bool]],
    target_role: Role | None = None,
    description: str = "",
    created_by: User | None = None,
) -> Track:
    """A track with ordered courses (course, due offset in days, required)."""
    if not courses:
        raise TrackError("courses", Message("a track needs at least one course"))
    ids = [c.pk for c, _d, _r in courses]
    if len(set(ids)) != len(ids):
        raise TrackError("courses", Message("a course appears twice"))
    track = Track.objects.create(
        organization=organization, name=name, description=description, target_role=target_role, created_by=created_by
    )
    TrackCourse.objects.bulk_create(
        [
            TrackCourse(track=track, course=course, position=n, due_offset_days=offset, required=required)
            for n, (course, offset, required) in enumerate(courses)
        ]
    )
    return track


@transaction.atomic
def track_assign(
    *, track: Track, learners: Sequence[LearnerProfile], due_on: date | None, assigned_by: User | None
) -> tuple[int, int]:
    """Assign to members of the track's organization; idempotent. Returns (new, already assigned)."""
    members = set(
        Membership.objects.filter(organization=track.organization, left_on__isnull=True).values_list(
            "user_id", flat=True
        )
    )
    outsiders = [str(p.public_id) for p in learners if p.user_id not in members]
    if outsiders:
        raise TrackError(
            "members",
            Message(
                "not active members of %(organization)s: %(ids)s",
                organization=track.organization.name,
                ids=", ".join(outsiders),
            ),
        )
    today = timezone.localdate()
    longest = max(track.items.values_list("due_offset_days", flat=True), default=0)
    due = due_on or today + timedelta(days=longest)
    problem = due_date_problem(due, today=today)  # today .. 5 years ahead (common/input_checks.py)
    if problem:
        raise TrackError("due_on", problem)
    existing = set(TrackAssignment.objects.filter(track=track).values_list("learner_id", flat=True))
    new = [
        TrackAssignment(track=track, learner=p, assigned_by=assigned_by, assigned_on=today, due_on=due)
        for p in learners
        if p.pk not in existing
    ]
    TrackAssignment.objects.bulk_create(new, ignore_conflicts=True)
    return len(new), len(learners) - len(new)


@transaction.atomic
def track_create_and_assign(
    *,
    organization: Organization,
    name: str,
    courses: Sequence[Course],
    learners: Sequence[LearnerProfile],
    due_on: date,
    target_role: Role | None = None,
    created_by: User | None = None,
) -> Track:
    """The employer's web form in one transaction: a track (courses lower level first) and its assignees.

    Each course is due in proportion to the hours before it, so the last one is due on `due_on`."""
    ordered = sorted(courses, key=lambda c: (c.level, c.pk))
    days = max(0, (due_on - timezone.localdate()).days)
    total = float(sum(c.hours for c in ordered)) or 1.0
    offsets, done = [], 0.0
    for course in ordered:
        done += float(course.hours)
        offsets.append(round(days * done / total))
    track = track_create(
        organization=organization,
        name=name,
        courses=[(c, offset, True) for c, offset in zip(ordered, offsets, strict=True)],
        target_role=target_role,
        created_by=created_by,
    )
    track_assign(track=track, learners=learners, due_on=due_on, assigned_by=created_by)
    return track


@dataclass
class RemindReport:
    """What `track_remind` did: learner ids e-mailed, already reminded today, without an e-mail address."""

    sent: list[int] = field(default_factory=list)
    already_today: list[int] = field(default_factory=list)
    no_email: list[int] = field(default_factory=list)


def _reminder_message(*, track: Track, learner: LearnerProfile, courses: list[tuple[str, date, bool]]) -> EmailMessage:
    """The e-mail in the learner's preferred language: the track's unfinished required courses and their dates."""
    with translation.override(learner.preferred_language if learner.preferred_language in ("ja", "en") else "ja"):
        subject = _("Reminder: your track “%(track)s”") % {"track": track.name}
        lines = [
            _("%(organization)s reminds you of the track “%(track)s”. Required courses not completed yet:")
            % {"organization": track.organization.name, "track": track.name},
            "",
        ]
        for title, due, overdue in courses:
            state = _("overdue") if overdue else _("due")
            lines.append(f"- {title} ({state} {due.isoformat()})")
        lines += ["", _("Your learning: %(url)s") % {"url": settings.PUBLIC_BASE_URL.rstrip("/") + "/me/"}]
    return EmailMessage(subject=str(subject), body="\n".join(str(x) for x in lines), to=[learner.user.email])


def track_remind(*, track: Track, sent_by: User | None, today: date | None = None) -> RemindReport:
    """E-mail each assignee who shares their track progress and has required courses not completed.

    At most one reminder per person and track a day (`TrackAssignment.reminded_on`): a second click the same
    day sends nothing to those already reminded.  Each e-mail sent is audit-logged (event `track.remind`,
    the person as a pseudonym).  Assignees who do not share their progress are never e-mailed: their
    employer does not know whether they are behind.  Mail goes through Django's EMAIL_BACKEND."""
    from learners.selectors import track_progress  # selectors import the models this module writes

    today = today or timezone.localdate()
    report = RemindReport()
    reminded_on = dict(track.assignments.values_list("learner_id", "reminded_on"))
    for person in track_progress(track=track, today=today):
        if not person.shared or person.required_done >= person.required_total:
            continue
        learner = person.learner
        if reminded_on.get(learner.pk) == today:
            report.already_today.append(learner.pk)
            continue
        if not learner.user.email:
            report.no_email.append(learner.pk)
            continue
        courses = [(c.title, c.due_on, c.overdue) for c in person.courses if c.required and c.status != "completed"]
        with transaction.atomic():
            # Claim today's reminder first: a concurrent click finds the row already updated and sends nothing.
            claimed = (
                TrackAssignment.objects.filter(track=track, learner=learner)
                .exclude(reminded_on=today)
                .update(reminded_on=today)
            )
            if not claimed:
                report.already_today.append(learner.pk)
                continue
            audit_record(
                action=AuditAction.READ,
                event="track.remind",
                actor=sent_by,
                object_type="learners.track",
                object_id=track.pk,
                subject=learner.user,
                organization_id=track.organization_id,
            )
            _reminder_message(track=track, learner=learner, courses=courses).send()
        report.sent.append(learner.pk)
    return report
