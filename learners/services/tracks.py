"""Employers' tracks: ordered courses and their assignment to members."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

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
