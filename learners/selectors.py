"""Reads about learners, always scoped to who is asking."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet
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
    search; members of other organizations never appear (members_of)."""
    members = members_of(organization=organization)
    if query:
        members = members.filter(
            Q(user__username__icontains=query)
            | Q(user__first_name__icontains=query)
            | Q(user__last_name__icontains=query)
        )
    if role_code:
        members = members.filter(share_target_role=True, target_role__code=role_code)
    people = list(members)
    progress = member_progress_of(
        organization=organization, learner_ids=[p.pk for p in people if p.share_track_progress], today=today
    )
    rows = []
    for p in people:
        role = p.target_role if p.share_target_role else None
        if not p.share_track_progress:
            row = MemberRow(
                p,
                p.user.get_full_name() or p.user.username,
                role,
                p.share_target_role,
                False,
                0,
                None,
                None,
                None,
                "not_shared",
            )
        else:
            n_tracks, n_done, n_total, overdue = progress.get(p.pk, (0, 0, 0, False))
            state = (
                "no_track"
                if n_tracks == 0
                else "overdue"
                if overdue
                else "complete"
                if n_done == n_total
                else "in_progress"
            )
            row = MemberRow(
                p,
                p.user.get_full_name() or p.user.username,
                role,
                p.share_target_role,
                True,
                n_tracks,
                n_done,
                n_total,
                overdue,
                state,
            )
        if status and row.status != status:
            continue
        rows.append(row)
    return rows


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


def team_dashboard(*, organization: Organization) -> dict[str, Any]:
    """What an employer sees of its team, within each learner's consent.

    - members per target role (learners who share their target role),
    - per role and item: average current level of members sharing levels, beside the role's target,
    - per track: assignees, completed, overdue (learners sharing track progress)."""
    members = list(members_of(organization=organization))
    by_role: dict[str, list[LearnerProfile]] = defaultdict(list)
    for m in members:
        if m.share_target_role and m.target_role is not None:
            by_role[m.target_role.code].append(m)
    version = standard_version_get()
    items = list(version.skill_items.order_by("position").values_list("pk", "code"))
    targets = grade_targets(version=version)
    requirements = {
        (role_code, item_id): targets.get(grade, 0)
        for role_code, item_id, grade in RoleSkillRequirement.objects.filter(
            role__version=version, role__code__in=list(by_role)
        ).values_list("role__code", "skill_item_id", "grade")
    }
    all_levels = current_levels_of(learner_ids=[m.pk for p in by_role.values() for m in p if m.share_levels])
    heatmap = []
    for role_code, people in sorted(by_role.items()):
        sharing = [p for p in people if p.share_levels]
        levels = [all_levels.get(p.pk, {}) for p in sharing]
        cells = []
        for item_id, code in items:
            values = [lv[item_id].level if item_id in lv else 0 for lv in levels]
            average = round(sum(values) / len(values), 2) if values else None
            target = requirements.get((role_code, item_id), 0)
            cells.append(
                {
                    "skill": code,
                    "target": target,
                    "average": average,
                    "gap": None if average is None else round(target - average, 2),
                }
            )
        heatmap.append({"role": role_code, "members": len(people), "sharing_levels": len(sharing), "cells": cells})
    tracks = []
    for track in organization.tracks.order_by("name"):
        progress = track_progress(track=track)
        shared = [p for p in progress if p.shared]
        tracks.append(
            {
                "id": track.pk,
                "name": track.name,
                "assignees": len(progress),
                "sharing": len(shared),
                "completed": sum(p.required_total > 0 and p.required_done == p.required_total for p in shared),
                "overdue": [str(p.learner.public_id) for p in shared if p.overdue],
            }
        )
    return {
        "organization": organization.pk,
        "members": len(members),
        "members_per_role": {code: len(people) for code, people in sorted(by_role.items())},
        "heatmap": heatmap,
        "tracks": tracks,
    }


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
