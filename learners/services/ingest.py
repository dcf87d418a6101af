"""Progress ingest: events stored once (idempotent, order-independent) and folded into enrollments;
completions record course-completion levels.  Signals sent in the transaction: courses_completed,
levels_recorded, enrollments_changed (learners/signals.py)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record
from common.input_checks import EVENT_FUTURE_TOLERANCE, event_time_problem
from common.messages import Message
from courses.models import Course
from courses.selectors import active_tags
from learners.models import (
    AssessmentSource,
    Enrollment,
    EnrollmentStatus,
    EventKind,
    LearnerProfile,
    Membership,
    ProgressEvent,
    SkillAssessment,
)
from learners.signals import courses_completed, enrollments_changed, levels_recorded

MAX_BATCH = 1000
FUTURE_TOLERANCE = EVENT_FUTURE_TOLERANCE


@dataclass
class EventIn:
    """One event as checked for shape by the API layer."""

    index: int
    idempotency_key: str
    learner: str
    course: int | str
    kind: str
    occurred_at: datetime
    percent: int | None = None
    source: str = ""


@dataclass
class EventOutcome:
    index: int
    idempotency_key: str
    status: str  # created | duplicate | rejected
    reason: str = ""
    event_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "idempotency_key": self.idempotency_key, "status": self.status}
        if self.reason:
            out["reason"] = self.reason
        if self.event_id is not None:
            out["event_id"] = self.event_id
        return out


@dataclass
class _Resolved:
    event: EventIn
    learner_id: int
    course_id: int
    payload_hash: str
    outcome: EventOutcome = field(init=False)


def _payload_hash(event: EventIn, learner_id: int, course_id: int) -> str:
    canonical = json.dumps(
        [learner_id, course_id, event.kind, event.percent, event.occurred_at.isoformat(), event.source],
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class SubmitterScope:
    """What an account may report on: staff anything; a provider account its own courses;
    an organization admin the active members of the organizations it administers."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.is_staff = user.is_staff
        self.provider_ids = set(user.providers.values_list("pk", flat=True))
        self.org_ids = set(
            Membership.objects.filter(user=user, kind=Membership.Kind.ADMIN, left_on__isnull=True).values_list(
                "organization_id", flat=True
            )
        )

    @property
    def may_submit(self) -> bool:
        return self.is_staff or bool(self.provider_ids) or bool(self.org_ids)

    def refusal(self, learner_user_id: int, course_provider_id: int, members: set[int]) -> str:
        if self.is_staff or learner_user_id == self.user.pk:  # staff, or a learner reporting on themselves
            return ""
        if course_provider_id in self.provider_ids:
            return ""
        if learner_user_id in members:
            return ""
        if self.provider_ids:
            return Message("course: not a course of a provider your account acts for")
        return Message("learner: not an active member of an organization you administer")


def progress_events_ingest(*, submitter: User, events: Sequence[EventIn]) -> list[EventOutcome]:
    """Store each event once and apply it to the enrollment and levels, in one transaction.

    Idempotent: an event whose (submitter, idempotency_key) is already stored answers
    `duplicate` and changes nothing, so replaying a batch changes nothing.  Events are
    applied in `occurred_at` order and the rules are monotonic (a late 40% never undoes
    a completion), so arrival order does not matter.  Safe under concurrent identical
    batches: the unique key decides which transaction stores an event.
    """
    if len(events) > MAX_BATCH:
        raise ValueError(Message("a batch holds at most %(limit)s events", limit=MAX_BATCH))
    scope = SubmitterScope(submitter)
    outcomes: dict[int, EventOutcome] = {}
    now = timezone.now()

    learners = {
        str(p.public_id): (p.pk, p.user_id)
        for p in LearnerProfile.objects.filter(public_id__in=_uuids(e.learner for e in events)).only(
            "pk", "public_id", "user_id"
        )
    }
    course_ids = [e.course for e in events if isinstance(e.course, int)]
    codes = [e.course for e in events if isinstance(e.course, str)]
    by_id = {c.pk: c for c in Course.objects.filter(pk__in=course_ids).only("pk", "provider_id")}
    by_code: dict[str, list[Course]] = {}
    if codes:
        code_scope = Course.objects.filter(code__in=codes)
        if not scope.is_staff:
            code_scope = code_scope.filter(provider_id__in=scope.provider_ids)
        for match in code_scope.only("pk", "provider_id", "code"):
            by_code.setdefault(match.code, []).append(match)
    members = set(
        Membership.objects.filter(organization_id__in=scope.org_ids, left_on__isnull=True).values_list(
            "user_id", flat=True
        )
    )

    resolved: list[_Resolved] = []
    for event in events:
        reason = ""
        learner = learners.get(event.learner)
        course: Course | None = by_id.get(event.course) if isinstance(event.course, int) else None
        if isinstance(event.course, str):
            matches = by_code.get(event.course, [])
            course = matches[0] if len(matches) == 1 else None
            if len(matches) > 1:
                reason = Message(
                    "course: code %(code)s matches several courses; send the course id", code=repr(event.course)
                )
        if learner is None:
            reason = Message("learner: no learner with this id")
        elif course is None:
            reason = reason or Message("course: no course %(code)s", code=repr(event.course))
        elif time_problem := event_time_problem(event.occurred_at, now=now):
            # 2000-01-01 .. now + 5 minutes (common/input_checks.py): the web forms come here too.
            reason = Message("occurred_at: %(problem)s", problem=time_problem)
        elif event.kind == EventKind.PROGRESS and event.percent is None:
            reason = Message("percent: required for a progress event")
        else:
            reason = scope.refusal(learner[1], course.provider_id, members)
        if reason or learner is None or course is None:
            outcomes[event.index] = EventOutcome(event.index, event.idempotency_key, "rejected", reason)
            continue
        item = _Resolved(event, learner[0], course.pk, _payload_hash(event, learner[0], course.pk))
        resolved.append(item)

    with transaction.atomic():
        _store_and_apply(submitter, resolved, outcomes)
        counts = Counter(o.status for o in outcomes.values())
        audit_record(
            action=AuditAction.IMPORT,
            event="progress.ingest",
            actor=submitter,
            object_type="learners.progressevent",
            detail={"events": len(events), **{k: counts.get(k, 0) for k in ("created", "duplicate", "rejected")}},
        )
    return [outcomes[e.index] for e in events]


def learner_progress_record(
    *, learner: LearnerProfile, course: Course, kind: str, key: str, percent: int | None = None
) -> EventOutcome:
    """A learner's own report from the web app (enrolled, progress, completed), through the same
    idempotent ingest as an LMS's events: `key` comes from the form, so a double submit counts once."""
    event = EventIn(
        index=0,
        idempotency_key=f"web:{key}"[:200],
        learner=str(learner.public_id),
        course=course.pk,
        kind=kind,
        occurred_at=timezone.now(),
        percent=percent,
        source="web",
    )
    return progress_events_ingest(submitter=learner.user, events=[event])[0]


def _uuids(values: Any) -> list[str]:
    out = []
    for value in values:
        try:
            out.append(str(uuid.UUID(str(value))))
        except ValueError:
            continue
    return out


def _store_and_apply(submitter: User, resolved: list[_Resolved], outcomes: dict[int, EventOutcome]) -> None:
    # 1. Same key twice in one batch: the first occurrence decides, the rest are duplicates of it.
    first: dict[str, _Resolved] = {}
    fresh: list[_Resolved] = []
    for item in resolved:
        earlier = first.get(item.event.idempotency_key)
        if earlier is None:
            first[item.event.idempotency_key] = item
            fresh.append(item)
        else:
            outcomes[item.event.index] = _duplicate_of(item, earlier.payload_hash, None)
    # 2. Insert all at once; the unique (submitter, key) index keeps exactly one copy of each,
    #    whatever other transactions do at the same time.
    created = _insert_events(submitter, fresh)
    already = [i.event.idempotency_key for i in fresh if i.event.idempotency_key not in created]
    earlier_rows: dict[str, tuple[int | None, str]] = {}
    for start in range(0, len(already), 500):
        for key, pk, payload_hash in ProgressEvent.objects.filter(
            submitted_by=submitter, idempotency_key__in=already[start : start + 500]
        ).values_list("idempotency_key", "pk", "payload_hash"):
            earlier_rows[key] = (pk, payload_hash)
    new_items: list[_Resolved] = []
    for item in fresh:
        key = item.event.idempotency_key
        if key in created:
            outcomes[item.event.index] = EventOutcome(item.event.index, key, "created", event_id=created[key])
            new_items.append(item)
        else:
            earlier_pk, payload_hash = earlier_rows.get(key, (None, ""))
            outcomes[item.event.index] = _duplicate_of(item, payload_hash, earlier_pk)
    # 3. Apply what is new to enrollments and levels, oldest first.
    if new_items:
        _apply(sorted(new_items, key=lambda i: (i.event.occurred_at, i.event.index)))


def _duplicate_of(item: _Resolved, stored_hash: str, event_id: int | None) -> EventOutcome:
    key = item.event.idempotency_key
    if stored_hash and stored_hash != item.payload_hash:
        return EventOutcome(
            item.event.index, key, "rejected", "idempotency_key: already used for a different event", event_id
        )
    return EventOutcome(item.event.index, key, "duplicate", event_id=event_id)


def _insert_events(submitter: User, items: list[_Resolved]) -> dict[str, int]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING: the keys this statement stored, with their ids."""
    if not items:
        return {}
    table = connection.ops.quote_name(ProgressEvent._meta.db_table)
    columns = (
        "idempotency_key",
        "submitted_by_id",
        "learner_id",
        "course_id",
        "kind",
        "percent",
        "occurred_at",
        "source",
        "payload_hash",
        "received_at",
    )
    now = timezone.now()
    if connection.vendor == "postgresql":
        return _insert_events_unnest(table, columns, submitter, items, now)
    created: dict[str, int] = {}
    for start in range(0, len(items), 500):
        chunk = items[start : start + 500]
        placeholders = ", ".join("(" + ", ".join(["%s"] * len(columns)) + ")" for _ in chunk)
        params: list[Any] = []
        for item in chunk:
            e = item.event
            params += [
                e.idempotency_key,
                submitter.pk,
                item.learner_id,
                item.course_id,
                e.kind,
                e.percent,
                e.occurred_at,
                e.source[:100],
                item.payload_hash,
                now,
            ]
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES {placeholders} "  # noqa: S608 - identifiers only
            "ON CONFLICT (submitted_by_id, idempotency_key) DO NOTHING RETURNING idempotency_key, id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            created.update(dict(cursor.fetchall()))
    return created


def _insert_events_unnest(
    table: str, columns: tuple[str, ...], submitter: User, items: list[_Resolved], now: datetime
) -> dict[str, int]:
    """PostgreSQL: the whole batch as eight array parameters (no per-row placeholders to parse)."""
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - identifiers only; values are parameters
        "SELECT u.k, %s, u.l, u.c, u.kind, u.p, u.o, u.src, u.h, %s FROM unnest("
        "%s::varchar[], %s::bigint[], %s::bigint[], %s::varchar[], %s::smallint[], %s::timestamptz[], "
        "%s::varchar[], %s::varchar[]) AS u(k, l, c, kind, p, o, src, h) "
        "ON CONFLICT (submitted_by_id, idempotency_key) DO NOTHING RETURNING idempotency_key, id"
    )
    params: list[Any] = [
        submitter.pk,
        now,
        [i.event.idempotency_key for i in items],
        [i.learner_id for i in items],
        [i.course_id for i in items],
        [i.event.kind for i in items],
        [i.event.percent for i in items],
        [i.event.occurred_at for i in items],
        [i.event.source[:100] for i in items],
        [i.payload_hash for i in items],
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def _apply(items: list[_Resolved]) -> None:
    """Fold new events into their enrollments; completions record course-completion levels."""
    pairs = sorted({(i.learner_id, i.course_id) for i in items})
    first_seen: dict[tuple[int, int], datetime] = {}
    for item in items:
        first_seen.setdefault((item.learner_id, item.course_id), item.event.occurred_at)
    # Create missing enrollments without racing: the unique (learner, course) index decides.
    Enrollment.objects.bulk_create(
        [Enrollment(learner_id=lid, course_id=cid, enrolled_at=first_seen[(lid, cid)]) for lid, cid in pairs],
        ignore_conflicts=True,
    )
    learner_ids = {lid for lid, _ in pairs}
    course_ids = {cid for _, cid in pairs}
    locked = {
        (e.learner_id, e.course_id): e
        for e in Enrollment.objects.select_for_update()
        .filter(learner_id__in=learner_ids, course_id__in=course_ids)
        .order_by("learner_id", "course_id")
        if (e.learner_id, e.course_id) in first_seen
    }
    completed_before = {key: e.completed_at for key, e in locked.items()}
    completed_now: list[tuple[Enrollment, datetime]] = []
    for item in items:
        enrollment = locked[(item.learner_id, item.course_id)]
        if _fold(enrollment, item.event):
            completed_now.append((enrollment, item.event.occurred_at))
    _enrollments_write(list(locked.values()))
    if completed_now:
        courses_completed.send(
            sender=Enrollment, completions=[(e.learner_id, e.course_id, when) for e, when in completed_now]
        )
        _record_completion_levels(completed_now)
        # recommender/receivers.py re-plans on courses_completed (the intent commits with the completions).
    # A new completion, or an earlier time for one, can change whom the national count holds and in
    # which fiscal year: national/signals.py recounts in this transaction (last, to hold the rollup's
    # rows briefly).
    recount = sorted({e.learner_id for key, e in locked.items() if e.completed_at != completed_before[key]})
    if recount:
        enrollments_changed.send(sender=Enrollment, learner_ids=recount)


_ENROLLMENT_FIELDS = ("status", "percent", "enrolled_at", "completed_at", "dropped_at", "last_event_at", "updated_at")


def _enrollments_write(enrollments: list[Enrollment]) -> None:
    """One UPDATE ... FROM (VALUES ...) on PostgreSQL; the ORM's bulk_update elsewhere."""
    if not enrollments:
        return
    if connection.vendor != "postgresql":
        Enrollment.objects.bulk_update(enrollments, list(_ENROLLMENT_FIELDS), batch_size=500)
        return
    table = connection.ops.quote_name(Enrollment._meta.db_table)
    assignments = ", ".join(f"{name} = v.{name}" for name in _ENROLLMENT_FIELDS)
    sql = (
        f"UPDATE {table} AS e SET {assignments} FROM unnest("  # noqa: S608 - identifiers only; values are parameters
        "%s::bigint[], %s::varchar[], %s::smallint[], %s::timestamptz[], %s::timestamptz[], %s::timestamptz[], "
        "%s::timestamptz[], %s::timestamptz[]) "
        f"AS v(id, {', '.join(_ENROLLMENT_FIELDS)}) WHERE e.id = v.id"
    )
    params: list[Any] = [[e.pk for e in enrollments]]
    params += [[getattr(e, f) for e in enrollments] for f in _ENROLLMENT_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _fold(enrollment: Enrollment, event: EventIn) -> bool:
    """Apply one event; return True when it completes the course now.

    Monotonic: completion is final; percent only rises; a drop counts only if it is
    the newest thing known and the course is not completed.
    """
    newest = enrollment.last_event_at is None or event.occurred_at >= enrollment.last_event_at
    enrollment.enrolled_at = min(enrollment.enrolled_at, event.occurred_at)
    enrollment.last_event_at = max(enrollment.last_event_at or event.occurred_at, event.occurred_at)
    enrollment.updated_at = timezone.now()
    if enrollment.status == EnrollmentStatus.COMPLETED:
        if (
            event.kind == EventKind.COMPLETED
            and enrollment.completed_at
            and event.occurred_at < enrollment.completed_at
        ):
            enrollment.completed_at = event.occurred_at  # the first completion counts
        return False
    if event.kind == EventKind.COMPLETED:
        enrollment.status, enrollment.percent = EnrollmentStatus.COMPLETED, 100
        enrollment.completed_at, enrollment.dropped_at = event.occurred_at, None
        return True
    if event.kind == EventKind.DROPPED:
        if newest:
            enrollment.status, enrollment.dropped_at = EnrollmentStatus.DROPPED, event.occurred_at
        return False
    if event.kind == EventKind.PROGRESS:
        enrollment.percent = max(enrollment.percent, int(event.percent or 0))
        if enrollment.status != EnrollmentStatus.DROPPED or newest:
            enrollment.status = EnrollmentStatus.IN_PROGRESS
            enrollment.dropped_at = None
        return False
    if event.kind == EventKind.ENROLLED and enrollment.status == EnrollmentStatus.DROPPED and newest:
        enrollment.status, enrollment.dropped_at = EnrollmentStatus.ENROLLED, None
    return False


def _record_completion_levels(completed: list[tuple[Enrollment, datetime]]) -> None:
    """Each skill a completed course teaches becomes evidence at the level it teaches."""
    course_ids = {e.course_id for e, _ in completed}
    tags: dict[int, list[tuple[int, int]]] = {}
    for course_id, item_id, level in (
        active_tags().filter(course_id__in=course_ids).values_list("course_id", "skill_item_id", "level")
    ):
        tags.setdefault(course_id, []).append((item_id, level))
    assessments = SkillAssessment.objects.bulk_create(
        [
            SkillAssessment(
                learner_id=enrollment.learner_id,
                skill_item_id=item_id,
                level=level,
                source=AssessmentSource.COURSE,
                course_id=enrollment.course_id,
                assessed_at=when,
                note="",
            )
            for enrollment, when in completed
            for item_id, level in tags.get(enrollment.course_id, [])
        ],
        batch_size=1000,
    )
    if assessments:
        levels_recorded.send(sender=SkillAssessment, assessments=assessments)
