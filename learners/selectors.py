"""Reads about learners, always scoped to who is asking."""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from audit.selectors import audit_entries_about
from audit.services import audit_ref_peek
from learners.models import (
    SOURCE_RANK,
    AssessmentSource,
    Enrollment,
    EnrollmentStatus,
    LearnerProfile,
    Membership,
    Organization,
    OrgItemRollup,
    OrgRoleRollup,
    OrgRollup,
    SkillAssessment,
    Track,
    TrackAssignment,
    TrackCourse,
)
from learners.signals import learner_exporting
from skills.models import RoleSkillRequirement
from skills.selectors import grade_targets, standard_version_get


@dataclass(frozen=True)
class CurrentLevel:
    level: int
    source: str
    assessed_at: datetime


def learner_current_levels(*, learner: LearnerProfile) -> dict[int, CurrentLevel]:
    """Skill item id -> current level.

    The rule (docs/learner-levels.md): take the latest assessment from each source
    (self, manager, course completion, exam); the current level is the highest of
    those; between equal levels the stronger evidence is named (exam > course
    completion > manager > self).  A learner can lower their own self-assessment,
    but never below what a course completion or an exam showed.
    """
    return current_levels_of(learner_ids=[learner.pk]).get(learner.pk, {})


def current_levels_of(
    *, learner_ids: list[int], exclude_ids: set[int] | None = None
) -> dict[int, dict[int, CurrentLevel]]:
    """The same rule for many learners in one query: learner id -> item id -> level.

    `exclude_ids` leaves those assessments out (the levels as they were before them)."""
    latest: dict[tuple[int, int, str], SkillAssessment] = {}
    rows = SkillAssessment.objects.filter(learner_id__in=learner_ids)
    if exclude_ids:
        rows = rows.exclude(pk__in=exclude_ids)
    for a in rows.order_by("-assessed_at", "-pk"):
        latest.setdefault((a.learner_id, a.skill_item_id, a.source), a)
    current: dict[int, dict[int, CurrentLevel]] = defaultdict(dict)
    for (learner_id, item_id, source), a in latest.items():
        best = current[learner_id].get(item_id)
        if best is None or (a.level, SOURCE_RANK[source]) > (best.level, SOURCE_RANK[best.source]):
            current[learner_id][item_id] = CurrentLevel(a.level, source, a.assessed_at)
    return dict(current)


def enrollments_of(*, learner: LearnerProfile) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(learner=learner).select_related("course__provider")


def learner_profile_of(*, user: User | AnonymousUser) -> LearnerProfile | None:
    if not user.is_authenticated:
        return None
    return LearnerProfile.objects.filter(user_id=user.pk).select_related("target_role").first()


# --- employers -------------------------------------------------------------------------------


def organizations_administered_by(*, user: User | AnonymousUser) -> QuerySet[Organization]:
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(
        memberships__user_id=user.pk, memberships__kind=Membership.Kind.ADMIN, memberships__left_on__isnull=True
    ).distinct()


def organization_for_admin(*, user: User | AnonymousUser, organization_id: int) -> Organization | None:
    """The organization if `user` administers it, else None (callers answer 404)."""
    return organizations_administered_by(user=user).filter(pk=organization_id).first()


def members_of(*, organization: Organization) -> QuerySet[LearnerProfile]:
    """Learner profiles of the organization's active members (employees and admins)."""
    return (
        LearnerProfile.objects.filter(
            user__memberships__organization=organization, user__memberships__left_on__isnull=True
        )
        .select_related("user", "target_role__persona_type")
        .distinct()
        .order_by("user__username")
    )


@dataclass
class CourseProgress:
    course_id: int
    title: str
    required: bool
    due_on: date
    status: str
    percent: int
    overdue: bool


@dataclass
class AssigneeProgress:
    learner: LearnerProfile
    shared: bool
    due_on: date
    required_done: int
    required_total: int
    overdue: bool
    courses: list[CourseProgress]


def track_progress(*, track: Track, today: date | None = None) -> list[AssigneeProgress]:
    """Per assignee: completion of the track's courses and what is overdue.

    Only learners who share track progress with their employer are detailed; the others
    appear with `shared=False` and no numbers."""
    today = today or timezone.localdate()
    items = list(track.items.select_related("course").order_by("position"))
    assignments = list(track.assignments.select_related("learner__user").order_by("learner__user__username"))
    learner_ids = [a.learner_id for a in assignments]
    enrollments = {
        (e.learner_id, e.course_id): e
        for e in Enrollment.objects.filter(learner_id__in=learner_ids, course_id__in=[i.course_id for i in items])
    }
    out = []
    for a in assignments:
        if not a.learner.share_track_progress:
            out.append(AssigneeProgress(a.learner, False, a.due_on, 0, 0, False, []))
            continue
        courses = []
        for item in items:
            e = enrollments.get((a.learner_id, item.course_id))
            status = e.status if e else "not_started"
            due = min(a.assigned_on + timedelta(days=item.due_offset_days), a.due_on)
            done = status == EnrollmentStatus.COMPLETED
            courses.append(
                CourseProgress(
                    item.course_id,
                    item.course.title_ja or item.course.title_en,
                    item.required,
                    due,
                    status,
                    e.percent if e else 0,
                    overdue=item.required and not done and due < today,
                )
            )
        required = [c for c in courses if c.required]
        out.append(
            AssigneeProgress(
                a.learner,
                True,
                a.due_on,
                sum(c.status == EnrollmentStatus.COMPLETED for c in required),
                len(required),
                any(c.overdue for c in courses),
                courses,
            )
        )
    return out


MEMBER_STATUSES = ("overdue", "in_progress", "complete", "no_track", "not_shared")


@dataclass
class MemberRow:
    """One line of the employer's member table; what the member does not share is None."""

    learner: LearnerProfile
    name: str
    role: Any  # skills.Role, or None if not chosen or not shared
    role_shared: bool
    progress_shared: bool
    tracks: int
    required_done: int | None
    required_total: int | None
    overdue: bool | None
    status: str

    @property
    def percent(self) -> int | None:
        if not self.required_total or self.required_done is None:
            return None
        return round(100 * self.required_done / self.required_total)


def member_progress_of(
    *, organization: Organization, learner_ids: list[int] | None = None, today: date | None = None
) -> dict[int, tuple[int, int, int, bool]]:
    """Learner id -> (tracks, required courses done, required courses, overdue) over the organization's tracks.

    Set-based: three queries whatever the number of members (assignments, required courses, completions)."""
    today = today or timezone.localdate()
    assignments = TrackAssignment.objects.filter(track__organization=organization)
    if learner_ids is not None:
        assignments = assignments.filter(learner_id__in=learner_ids)
    rows = list(assignments.values_list("learner_id", "track_id", "assigned_on", "due_on"))
    if not rows:
        return {}
    track_ids = {r[1] for r in rows}
    required: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for track_id, course_id, offset in TrackCourse.objects.filter(track_id__in=track_ids, required=True).values_list(
        "track_id", "course_id", "due_offset_days"
    ):
        required[track_id].append((course_id, offset))
    course_ids = {c for courses in required.values() for c, _o in courses}
    done = set(
        Enrollment.objects.filter(
            learner_id__in={r[0] for r in rows}, course_id__in=course_ids, status=EnrollmentStatus.COMPLETED
        ).values_list("learner_id", "course_id")
    )
    out: dict[int, tuple[int, int, int, bool]] = {}
    for learner_id, track_id, assigned_on, due_on in rows:
        tracks, n_done, n_total, overdue = out.get(learner_id, (0, 0, 0, False))
        for course_id, offset in required[track_id]:
            finished = (learner_id, course_id) in done
            n_done, n_total = n_done + finished, n_total + 1
            due = min(assigned_on + timedelta(days=offset), due_on)
            overdue = overdue or (not finished and due < today)
        out[learner_id] = (tracks + 1, n_done, n_total, overdue)
    return out


def _status_of(p: LearnerProfile, progress: dict[int, tuple[int, int, int, bool]]) -> MemberRow:
    role = p.target_role if p.share_target_role else None
    name = p.user.get_full_name() or p.user.username
    if not p.share_track_progress:
        return MemberRow(p, name, role, p.share_target_role, False, 0, None, None, None, "not_shared")
    n_tracks, n_done, n_total, overdue = progress.get(p.pk, (0, 0, 0, False))
    state = _status_of_progress((n_tracks, n_done, n_total, overdue))
    return MemberRow(p, name, role, p.share_target_role, True, n_tracks, n_done, n_total, overdue, state)


def _member_filter(members: QuerySet[LearnerProfile], *, role_code: str, query: str) -> QuerySet[LearnerProfile]:
    if query:
        members = members.filter(
            Q(user__username__icontains=query)
            | Q(user__first_name__icontains=query)
            | Q(user__last_name__icontains=query)
        )
    if role_code:
        members = members.filter(share_target_role=True, target_role__code=role_code)
    return members


def team_member_rows(
    *,
    organization: Organization,
    role_code: str = "",
    status: str = "",
    query: str = "",
    today: date | None = None,
) -> list[MemberRow]:
    """The employer's member table, within each member's consent: the target role only if shared, track
    progress and the overdue flag only if shared.  Filters by role (shared roles only), status and a name
    search; members of other organizations never appear (members_of).  All of them: pages of a large
    organization come from `team_member_page`."""
    people = list(_member_filter(members_of(organization=organization), role_code=role_code, query=query))
    progress = member_progress_of(
        organization=organization, learner_ids=[p.pk for p in people if p.share_track_progress], today=today
    )
    rows = [_status_of(p, progress) for p in people]
    return [r for r in rows if not status or r.status == status]


# --- keyset pages of an organization's members (stable order: user name, then learner id) -----------------


class BadCursor(ValueError):
    """A `cursor` that this server did not hand out."""


@dataclass(frozen=True)
class Cursor:
    forward: bool  # True: the page after (username, pk); False: the page before it
    username: str
    pk: int

    def encode(self) -> str:
        raw = json.dumps(["a" if self.forward else "b", self.username, self.pk], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> Cursor:
        try:
            raw = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode())
            direction, username, pk = raw
        except (ValueError, TypeError, UnicodeDecodeError) as exc:
            raise BadCursor("not a cursor from this list") from exc
        if direction not in ("a", "b") or not isinstance(username, str) or type(pk) is not int:
            raise BadCursor("not a cursor from this list")
        return cls(direction == "a", username, pk)


def members_keyed(*, organization: Organization) -> QuerySet[LearnerProfile]:
    """Active members (learner profiles) in the stable order of the keyset pages: user name, then id.

    No join with duplicates to remove: membership is an EXISTS (one active membership per organization)."""
    active = Membership.objects.filter(user_id=OuterRef("user_id"), organization=organization, left_on__isnull=True)
    return (
        LearnerProfile.objects.filter(Exists(active))
        .select_related("user", "target_role__persona_type")
        .order_by("user__username", "pk")
    )


@dataclass
class KeysetPage:
    items: list[Any]
    next: str | None
    previous: str | None
    count: int | None = None
    number: int = 1
    per_page: int = 25

    @property
    def num_pages(self) -> int:
        return max(1, -(-(self.count or 0) // self.per_page))


def keyset_page(
    members: QuerySet[LearnerProfile], *, cursor: Cursor | None, per_page: int, count: bool = False
) -> KeysetPage:
    """One page of `members` (ordered by user name, id) after or before `cursor`; `count` adds the total and
    the page's number (two COUNT queries)."""
    if cursor is None:
        chunk = list(members[: per_page + 1])
        more_after, more_before = len(chunk) > per_page, False
        people = chunk[:per_page]
    elif cursor.forward:
        key = Q(user__username__gt=cursor.username) | Q(user__username=cursor.username, pk__gt=cursor.pk)
        chunk = list(members.filter(key)[: per_page + 1])
        more_after, more_before = len(chunk) > per_page, True
        people = chunk[:per_page]
    else:
        key = Q(user__username__lt=cursor.username) | Q(user__username=cursor.username, pk__lt=cursor.pk)
        chunk = list(members.filter(key).order_by("-user__username", "-pk")[: per_page + 1])
        more_after, more_before = True, len(chunk) > per_page
        people = chunk[:per_page][::-1]
    page = KeysetPage(
        people,
        Cursor(True, people[-1].user.username, people[-1].pk).encode() if people and more_after else None,
        Cursor(False, people[0].user.username, people[0].pk).encode() if people and more_before else None,
        per_page=per_page,
    )
    if count:
        page.count = members.count()
        if people:
            first = people[0]
            before = members.filter(
                Q(user__username__lt=first.user.username) | Q(user__username=first.user.username, pk__lt=first.pk)
            ).count()
            page.number = before // per_page + 1
    return page


def team_member_page(
    *,
    organization: Organization,
    role_code: str = "",
    status: str = "",
    query: str = "",
    cursor: Cursor | None = None,
    per_page: int = 25,
    today: date | None = None,
) -> KeysetPage:
    """One keyset page of the member table (`team_member_rows`' rows, same consent and filters), with the
    number of matching members.  Every filter is SQL: the progress statuses come from the organization's
    assignments (set-based), so a page reads `per_page` members whatever the organization's size."""
    members = _member_filter(members_keyed(organization=organization), role_code=role_code, query=query)
    progress: dict[int, tuple[int, int, int, bool]] | None = None
    if status == "not_shared":
        members = members.filter(share_track_progress=False)
    elif status == "no_track":
        assigned = TrackAssignment.objects.filter(learner_id=OuterRef("pk"), track__organization=organization)
        members = members.filter(share_track_progress=True).exclude(Exists(assigned))
    elif status:
        progress = member_progress_of(organization=organization, today=today)
        wanted = [learner_id for learner_id, value in progress.items() if _status_of_progress(value) == status]
        members = members.filter(share_track_progress=True, pk__in=wanted)
    page = keyset_page(members, cursor=cursor, per_page=per_page, count=True)
    if progress is None:
        progress = member_progress_of(
            organization=organization, learner_ids=[p.pk for p in page.items if p.share_track_progress], today=today
        )
    page.items = [_status_of(p, progress) for p in page.items]
    return page


def _status_of_progress(value: tuple[int, int, int, bool]) -> str:
    n_tracks, n_done, n_total, overdue = value
    return "no_track" if n_tracks == 0 else "overdue" if overdue else "complete" if n_done == n_total else "in_progress"


def track_for_admin(*, user: User | AnonymousUser, organization_id: int, track_id: int) -> Track | None:
    """The track if it belongs to an organization `user` administers, else None (callers answer 404)."""
    organization = organization_for_admin(user=user, organization_id=organization_id)
    if organization is None:
        return None
    return organization.tracks.select_related("target_role", "organization").filter(pk=track_id).first()


def role_group_preview(*, track: Track, role_code: str) -> dict[str, list[LearnerProfile]]:
    """Who would get `track` if assigned to every member whose (shared) target role is `role_code`:
    `new` are not yet assigned, `already` are.  Members who do not share their role are never picked."""
    people = list(
        members_of(organization=track.organization).filter(share_target_role=True, target_role__code=role_code)
    )
    assigned = set(track.assignments.filter(learner__in=people).values_list("learner_id", flat=True))
    return {
        "new": [p for p in people if p.pk not in assigned],
        "already": [p for p in people if p.pk in assigned],
    }


def tracks_of_learner(*, learner: LearnerProfile) -> QuerySet[TrackAssignment]:
    return learner.track_assignments.select_related("track__target_role").prefetch_related("track__items__course")


DUE_SOON_DAYS = 7  # a required track course due within this many days is flagged "due soon" to the learner


def learner_track_schedule(*, learner: LearnerProfile, today: date | None = None) -> list[dict[str, Any]]:
    """The learner's assigned tracks with each course's own due date, as the employer's track page computes it.

    A course is due `due_offset_days` after the assignment, never later than the track's due date; a required
    course not completed by then is overdue (the employer sees the same flag); one due today or within
    `DUE_SOON_DAYS` days is due soon (the learner's reminder on /me/)."""
    today = today or timezone.localdate()
    assignments = list(tracks_of_learner(learner=learner))
    course_ids = [i.course_id for a in assignments for i in a.track.items.all()]
    status = dict(
        Enrollment.objects.filter(learner=learner, course_id__in=course_ids).values_list("course_id", "status")
    )
    out = []
    for a in assignments:
        courses = []
        for item in a.track.items.all():
            due = min(a.assigned_on + timedelta(days=item.due_offset_days), a.due_on)
            done = status.get(item.course_id) == EnrollmentStatus.COMPLETED
            courses.append(
                {
                    "course": item.course,
                    "required": item.required,
                    "due": due,
                    "done": done,
                    "overdue": item.required and not done and due < today,
                    "due_soon": item.required and not done and today <= due <= today + timedelta(days=DUE_SOON_DAYS),
                }
            )
        out.append({"assignment": a, "track": a.track, "due_on": a.due_on, "courses": courses})
    return out


def team_dashboard(
    *, organization: Organization, today: date | None = None, overdue_names: bool = False
) -> dict[str, Any]:
    """What an employer sees of its team, within each learner's consent.

    - members per target role (learners who share their target role),
    - per role and item: average current level of members sharing levels, beside the role's target,
    - per track: assignees, completed, overdue (learners sharing track progress).

    Members and the heatmap read the organization's rollups (learners/services/rollups.py, exact in the
    writing transaction); the tracks are counted set-based (overdue depends on today)."""
    total = OrgRollup.objects.filter(organization=organization).values_list("members", flat=True).first() or 0
    by_role: dict[str, list[int]] = {}
    role_code_of: dict[int, str] = {}
    for role_id, code, n_members, n_sharing in (
        OrgRoleRollup.objects.filter(organization=organization, members__gt=0)
        .values_list("role_id", "role__code", "members", "sharing_levels")
        .order_by("role__code", "role_id")
    ):
        role_code_of[role_id] = code
        counts = by_role.setdefault(code, [0, 0])
        counts[0] += n_members
        counts[1] += n_sharing
    version = standard_version_get()
    items = list(version.skill_items.order_by("position").values_list("pk", "code"))
    targets = grade_targets(version=version)
    requirements = {
        (role_code, item_id): targets.get(grade, 0)
        for role_code, item_id, grade in RoleSkillRequirement.objects.filter(
            role__version=version, role__code__in=list(by_role)
        ).values_list("role__code", "skill_item_id", "grade")
    }
    sums: dict[tuple[str, int], int] = defaultdict(int)
    for role_id, item_id, level_sum in OrgItemRollup.objects.filter(
        organization=organization, role_id__in=list(role_code_of)
    ).values_list("role_id", "skill_item_id", "level_sum"):
        sums[(role_code_of[role_id], item_id)] += level_sum
    heatmap = []
    for role_code, (n_members, n_sharing) in sorted(by_role.items()):
        cells = []
        for item_id, code in items:
            average = round(sums.get((role_code, item_id), 0) / n_sharing, 2) if n_sharing else None
            target = requirements.get((role_code, item_id), 0)
            cells.append(
                {
                    "skill": code,
                    "target": target,
                    "average": average,
                    "gap": None if average is None else round(target - average, 2),
                }
            )
        heatmap.append({"role": role_code, "members": n_members, "sharing_levels": n_sharing, "cells": cells})
    return {
        "organization": organization.pk,
        "members": total,
        "members_per_role": {code: counts[0] for code, counts in sorted(by_role.items())},
        "heatmap": heatmap,
        "tracks": track_summaries(organization=organization, today=today, names=overdue_names),
    }


def track_summaries(
    *, organization: Organization, today: date | None = None, names: bool = False
) -> list[dict[str, Any]]:
    """Per track of the organization: assignees, those sharing progress, completed, and the overdue (public ids,
    by user name; with `names`, also their display names), as `track_progress` counts them.

    Five queries whatever the number of assignees and tracks: the counts grouped in the database, completions
    and the sharing assignments as narrow rows, the names only of the overdue.  A required course is due
    `due_offset_days` after the assignment but never after the track's due date."""
    today = today or timezone.localdate()
    tracks = list(organization.tracks.order_by("name").values_list("pk", "name"))
    if not tracks:
        return []
    required: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for track_id, course_id, offset in TrackCourse.objects.filter(
        track__organization=organization, required=True
    ).values_list("track_id", "course_id", "due_offset_days"):
        required[track_id].append((course_id, offset))

    assignments = TrackAssignment.objects.filter(track__organization=organization)
    shares = Q(learner__share_track_progress=True)
    counts: dict[int, dict[str, Any]] = {
        row["track_id"]: dict(row)
        for row in assignments.values("track_id").annotate(assignees=Count("pk"), sharing=Count("pk", filter=shares))
    }
    sharing = assignments.filter(shares)
    done = set(
        Enrollment.objects.filter(
            learner_id__in=sharing.values("learner_id"),
            course_id__in={c for courses in required.values() for c, _o in courses},
            status=EnrollmentStatus.COMPLETED,
        ).values_list("learner_id", "course_id")
    )
    completed: dict[int, int] = defaultdict(int)
    late: dict[int, set[int]] = defaultdict(set)
    for track_id, learner_id, assigned_on, due_on in sharing.values_list(
        "track_id", "learner_id", "assigned_on", "due_on"
    ).iterator(chunk_size=10_000):
        courses = required.get(track_id, ())
        if not courses:
            continue
        missing = [o for c, o in courses if (learner_id, c) not in done]
        if not missing:
            completed[track_id] += 1
        elif due_on < today or any(assigned_on + timedelta(days=o) < today for o in missing):
            late[track_id].add(learner_id)
    people = {
        pk: (str(public_id), f"{first} {last}".strip() or username, username)
        for pk, public_id, username, first, last in LearnerProfile.objects.filter(
            pk__in={i for ids in late.values() for i in ids}
        ).values_list("pk", "public_id", "user__username", "user__first_name", "user__last_name")
    }
    overdue = {track_id: sorted((people[i] for i in ids), key=lambda p: p[2]) for track_id, ids in late.items()}
    out = []
    for track_id, name in tracks:
        row = counts.get(track_id, {})
        summary: dict[str, Any] = {
            "id": track_id,
            "name": name,
            "assignees": row.get("assignees", 0),
            "sharing": row.get("sharing", 0),
            "completed": completed.get(track_id, 0),
            "overdue": [p[0] for p in overdue.get(track_id, [])],
        }
        if names:
            summary["overdue_names"] = sorted(p[1] for p in overdue.get(track_id, []))
        out.append(summary)
    return out


# --- the learner's own data (APPI disclosure) -----------------------------------------------

EXPORT_FORMAT = "dxpathways-learner-export/1"
# The document's sections in order; national_count, credentials, xapi_statements_*, plan come from the apps
# that hold them (receivers of learners.signals.learner_exporting), the rest from here.
EXPORT_SECTIONS = (
    "format",
    "generated_at",
    "account",
    "profile",
    "national_count",
    "memberships",
    "assessments",
    "exam_passes",
    "enrollments",
    "progress_events",
    "track_assignments",
    "credentials",
    "xapi_statements_out",
    "xapi_statements_in",
    "plan",
    "api_tokens",
    "provider_accounts",
    "audit_log",
)


def export_iso(value: Any) -> Any:
    """A value as the learner export writes it (dates and times in ISO 8601)."""
    return value.isoformat() if isinstance(value, datetime | date) else value


def learner_data_export(*, learner: LearnerProfile) -> dict[str, Any]:
    """Everything stored about the learner, as JSON-ready data (learners.privacy lists the sources).

    Scoped to the learner: other people appear only as organizations, courses and tracks."""
    user = learner.user
    memberships = list(Membership.objects.filter(user=user).select_related("organization").order_by("joined_on"))
    org_names = {m.organization_id: m.organization.name for m in memberships}
    ref = audit_ref_peek(user_id=user.pk)
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "generated_at": export_iso(timezone.now()),
        "account": {
            "username": user.get_username(),
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": export_iso(user.date_joined),
            "last_login": export_iso(user.last_login),
            "groups": sorted(user.groups.values_list("name", flat=True)),
        },
        "profile": {
            "public_id": str(learner.public_id),
            "prefecture": learner.prefecture,
            "travel": learner.travel,
            "abroad": learner.abroad,
            "industry": learner.industry,
            "target_role": learner.target_role.code if learner.target_role else None,
            "weekly_hours": float(learner.weekly_hours),
            "budget_jpy": learner.budget_jpy,
            "free_only": learner.free_only,
            "preferred_formats": list(learner.preferred_formats or []),
            "preferred_language": learner.preferred_language,
            "share_target_role": learner.share_target_role,
            "share_levels": learner.share_levels,
            "share_track_progress": learner.share_track_progress,
            "onboarded_at": export_iso(learner.onboarded_at),
            "created_at": export_iso(learner.created_at),
        },
        "memberships": [
            {
                "organization": m.organization.name,
                "kind": m.kind,
                "joined_on": export_iso(m.joined_on),
                "left_on": export_iso(m.left_on),
            }
            for m in memberships
        ],
        "assessments": [
            {
                "skill": a.skill_item.code,
                "level": a.level,
                "source": a.source,
                "note": a.note,
                "course": a.course_id,
                "recorded_by_me": a.recorded_by_id == user.pk,
                "assessed_at": export_iso(a.assessed_at),
            }
            for a in SkillAssessment.objects.filter(learner=learner)
            .select_related("skill_item")
            .order_by("assessed_at", "pk")
        ],
        "exam_passes": [
            {
                "exam": p.exam.code,
                "passed_on": export_iso(p.passed_on),
                "certificate_number": p.certificate_number,
                "entered_by": p.source,
                "created_at": export_iso(p.created_at),
            }
            for p in learner.exam_passes.select_related("exam").order_by("passed_on", "pk")
        ],
        "enrollments": [
            {
                "course": e.course_id,
                "course_code": e.course.code,
                "course_title": e.course.title_ja or e.course.title_en,
                "status": e.status,
                "percent": e.percent,
                "enrolled_at": export_iso(e.enrolled_at),
                "completed_at": export_iso(e.completed_at),
                "dropped_at": export_iso(e.dropped_at),
                "last_event_at": export_iso(e.last_event_at),
            }
            for e in Enrollment.objects.filter(learner=learner).select_related("course").order_by("enrolled_at", "pk")
        ],
        "progress_events": [
            {
                "course": e.course_id,
                "kind": e.kind,
                "percent": e.percent,
                "occurred_at": export_iso(e.occurred_at),
                "received_at": export_iso(e.received_at),
                "source": e.source,
                "idempotency_key": e.idempotency_key,
            }
            for e in learner.progress_events.order_by("occurred_at", "pk")
        ],
        "track_assignments": [
            {
                "track": a.track.name,
                "organization": a.track.organization.name,
                "assigned_on": export_iso(a.assigned_on),
                "due_on": export_iso(a.due_on),
                "reminded_on": export_iso(a.reminded_on),
            }
            for a in learner.track_assignments.select_related("track__organization").order_by("assigned_on", "pk")
        ],
        "api_tokens": [
            {
                "name": t["name"],
                "prefix": t["prefix"],
                "created_at": export_iso(t["created_at"]),
                "last_used_at": export_iso(t["last_used_at"]),
                "revoked_at": export_iso(t["revoked_at"]),
            }
            for t in user.api_tokens.order_by("created_at").values(
                "name", "prefix", "created_at", "last_used_at", "revoked_at"
            )
        ],
        "provider_accounts": sorted(user.providers.values_list("name_ja", flat=True)),
        "audit_log": [
            {
                "at": export_iso(e.at),
                "action": e.action,
                "event": e.event,
                "by_me": e.actor_ref == ref,
                "about_me": e.subject_ref == ref,
                "organization": org_names.get(e.organization_id) if e.organization_id else None,
                "object_type": e.object_type,
            }
            for e in audit_entries_about(ref=ref)
        ],
    }
    # Sections of the apps above learners (national, interop, recommender): learners.signals.learner_exporting.
    for _receiver, sections in learner_exporting.send(sender=LearnerProfile, learner=learner):
        data.update(cast("dict[str, Any]", sections or {}))
    order = {key: n for n, key in enumerate(EXPORT_SECTIONS)}
    return dict(sorted(data.items(), key=lambda kv: order.get(kv[0], len(order))))


def completion_evidence() -> tuple[list[tuple[int, int, datetime | None]], list[tuple[int, int, int, str, datetime]]]:
    """What measured course effectiveness is computed from (docs/effectiveness.md): every completion as
    (learner id, course id, completed at), and every assessment of a learner who completed a course, from a
    source other than a course completion, as (learner id, item id, level, source, assessed at)."""
    completions = list(
        Enrollment.objects.filter(status=EnrollmentStatus.COMPLETED, completed_at__isnull=False)
        .order_by("pk")
        .values_list("learner_id", "course_id", "completed_at")
    )
    learner_ids = Enrollment.objects.filter(status=EnrollmentStatus.COMPLETED).values("learner_id")
    assessments = list(
        SkillAssessment.objects.filter(learner_id__in=learner_ids)
        .exclude(source=AssessmentSource.COURSE)
        .order_by("pk")
        .values_list("learner_id", "skill_item_id", "level", "source", "assessed_at")
    )
    return completions, assessments
