"""Employer API: only organization admins, only their own organizations (others answer 404)."""

from __future__ import annotations

import io
from typing import Any

from django.contrib.auth.models import User
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AuditAction
from audit.services import audit_record
from common.csv_safe import csv_writer
from common.input_checks import BIGINT_MAX
from courses.models import Course, CourseStatus
from learners.exam_services import exam_passes_shared
from learners.models import Organization, Track
from learners.selectors import (
    BadCursor,
    Cursor,
    current_levels_of,
    keyset_page,
    members_keyed,
    members_of,
    organization_for_admin,
    organizations_administered_by,
    team_dashboard,
    track_progress,
    tracks_of_learner,
)
from learners.services import TrackError, learner_profile_get_or_create, track_assign, track_create
from skills.models import SkillItem
from skills.selectors import standard_version_get

TRACK_FIELDS: dict[str, serializers.Field] = {
    "id": serializers.IntegerField(),
    "name": serializers.CharField(),
    "description": serializers.CharField(),
    "target_role": serializers.CharField(allow_null=True),
    "courses": serializers.JSONField(),
}
TRACK_LIST = inline_serializer("TrackOut", TRACK_FIELDS, many=True)
ASSIGNED_LIST = inline_serializer(
    "AssignedTrack",
    {**TRACK_FIELDS, "assigned_on": serializers.DateField(), "due_on": serializers.DateField()},
    many=True,
)
MEMBER_LIST = inline_serializer(
    "OrgMember",
    {
        "learner": serializers.UUIDField(),
        "username": serializers.CharField(),
        "target_role": serializers.CharField(allow_null=True),
        "levels": serializers.JSONField(),
        "exams": serializers.JSONField(help_text="passed exams [{exam, passed_on}], or 'not shared'"),
    },
    many=True,
)


MEMBERS_PAGE = 100  # members per page of the API (`limit`, at most MEMBERS_PAGE_MAX)
MEMBERS_PAGE_MAX = 500


def _org(request: Request, org_id: int) -> Organization:
    organization = organization_for_admin(user=request.user, organization_id=org_id)
    if organization is None:
        raise Http404("No such organization among those you administer.")
    return organization


def _audit(
    request: Request,
    organization: Organization,
    event: str,
    *,
    action: AuditAction = AuditAction.READ,
    track: Track | None = None,
    people: int | None = None,
) -> None:
    """An employer saw (or downloaded) data about members: who, when, which organization and track."""
    audit_record(
        action=action,
        event=event,
        actor=_user(request),
        object_type="learners.track" if track is not None else "learners.organization",
        object_id=track.pk if track is not None else organization.pk,
        organization_id=organization.pk,
        detail={"people": people} if people is not None else {},
    )


def _user(request: Request) -> User:
    assert isinstance(request.user, User)  # IsAuthenticated ran first
    return request.user


class OrgListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="orgs_list",
        responses=inline_serializer(
            "OrgBrief", {"id": serializers.IntegerField(), "name": serializers.CharField()}, many=True
        ),
        tags=["employers"],
    )
    def get(self, request: Request) -> Response:
        return Response([{"id": o.pk, "name": o.name} for o in organizations_administered_by(user=request.user)])


class MembersQuery(serializers.Serializer):
    cursor = serializers.CharField(required=False, max_length=400, help_text="the `next` cursor of the page before")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MEMBERS_PAGE_MAX, default=MEMBERS_PAGE)


class OrgMembersApi(APIView):
    """Members with only what each one consented to share (never self-assessment notes), a page at a time in a
    stable order (user name, then id): the next page's cursor is in the `Link: <…>; rel="next"` header and in
    `X-Next-Cursor`; none on the last page."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="orgs_members",
        parameters=[
            MembersQuery,
            OpenApiParameter(
                "Link", str, OpenApiParameter.HEADER, response=True, description='rel="next": the next page, if any'
            ),
            OpenApiParameter(
                "X-Next-Cursor", str, OpenApiParameter.HEADER, response=True, description="the next page's cursor"
            ),
        ],
        responses=MEMBER_LIST,
        tags=["employers"],
    )
    def get(self, request: Request, org_id: int) -> Response:
        organization = _org(request, org_id)
        params = MembersQuery(data=request.query_params)
        params.is_valid(raise_exception=True)
        try:
            cursor = Cursor.decode(params.validated_data["cursor"]) if params.validated_data.get("cursor") else None
        except BadCursor as exc:
            raise serializers.ValidationError({"cursor": [str(exc)]}) from exc
        limit = params.validated_data["limit"]
        page = keyset_page(members_keyed(organization=organization), cursor=cursor, per_page=limit)
        members = page.items
        sharing = [m.pk for m in members if m.share_levels]
        levels = current_levels_of(learner_ids=sharing) if sharing else {}
        codes = dict(SkillItem.objects.filter(version=standard_version_get()).values_list("pk", "code"))
        exams = exam_passes_shared(learner_ids=sharing) if sharing else {}
        rows = []
        for m in members:
            row: dict[str, Any] = {"learner": str(m.public_id), "username": m.user.get_username()}
            row["target_role"] = (
                (m.target_role.code if m.target_role else None) if m.share_target_role else "not shared"
            )
            row["levels"] = (
                {codes[i]: c.level for i, c in levels.get(m.pk, {}).items() if i in codes}
                if m.share_levels
                else "not shared"
            )
            row["exams"] = exams.get(m.pk, []) if m.share_levels else "not shared"
            rows.append(row)
        _audit(request, organization, "orgs.members", people=len(rows))
        response = Response(rows)
        if page.next:
            query = request.query_params.copy()
            query["cursor"] = page.next
            response["Link"] = f'<{request.build_absolute_uri(request.path)}?{query.urlencode()}>; rel="next"'
            response["X-Next-Cursor"] = page.next
        return response


class TrackInput(serializers.Serializer):
    class Item(serializers.Serializer):
        course = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX)
        due_offset_days = serializers.IntegerField(min_value=0, max_value=3650, default=30)
        required = serializers.BooleanField(default=True)  # type: ignore[assignment]  # a field named like Field.required

    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    target_role = serializers.CharField(required=False, allow_null=True, max_length=30)
    courses = Item(many=True)


def _track_out(track: Track) -> dict[str, Any]:
    return {
        "id": track.pk,
        "name": track.name,
        "description": track.description,
        "target_role": track.target_role.code if track.target_role else None,
        "courses": [
            {
                "course": i.course_id,
                "title": i.course.title_ja or i.course.title_en,
                "due_offset_days": i.due_offset_days,
                "required": i.required,
            }
            for i in track.items.select_related("course").order_by("position")
        ],
    }


class OrgTracksApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="orgs_tracks_list",
        responses=TRACK_LIST,
        tags=["employers"],
    )
    def get(self, request: Request, org_id: int) -> Response:
        organization = _org(request, org_id)
        return Response([_track_out(t) for t in organization.tracks.select_related("target_role")])

    @extend_schema(
        operation_id="orgs_tracks_create",
        request=TrackInput,
        responses={201: OpenApiTypes.OBJECT},
        tags=["employers"],
    )
    def post(self, request: Request, org_id: int) -> Response:
        organization = _org(request, org_id)
        data = TrackInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        version = standard_version_get()
        role = None
        if d.get("target_role"):
            role = version.roles.filter(code=d["target_role"]).first()
            if role is None:
                raise serializers.ValidationError({"target_role": [f"{d['target_role']!r} is not a role code"]})
        wanted = [item["course"] for item in d["courses"]]
        courses = Course.objects.filter(pk__in=wanted, status=CourseStatus.PUBLISHED).in_bulk()
        missing = [str(pk) for pk in wanted if pk not in courses]
        if missing:
            raise serializers.ValidationError({"courses": [f"no published course {', '.join(missing)}"]})
        try:
            track = track_create(
                organization=organization,
                name=d["name"],
                description=d.get("description", ""),
                target_role=role,
                courses=[(courses[i["course"]], i["due_offset_days"], i["required"]) for i in d["courses"]],
                created_by=_user(request),
            )
        except TrackError as exc:
            raise serializers.ValidationError({exc.field: [str(exc)]}) from exc
        return Response(_track_out(track), status=201)


class AssignInput(serializers.Serializer):
    members = serializers.ListField(child=serializers.UUIDField(), required=False)
    group = serializers.CharField(required=False, help_text="'all' or 'role:<ROLE_CODE>'")
    due_on = serializers.DateField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("members")) == bool(attrs.get("group")):
            raise serializers.ValidationError({"members": ["give either members or group"]})
        return attrs


class OrgTrackDetailApi(APIView):
    """A track with each assignee's progress (for those who share it) and what is overdue."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="orgs_track_detail", responses=OpenApiTypes.OBJECT, tags=["employers"])
    def get(self, request: Request, org_id: int, track_id: int) -> Response:
        track = get_object_or_404(_org(request, org_id).tracks, pk=track_id)
        progress = [
            {
                "learner": str(p.learner.public_id),
                "username": p.learner.user.get_username(),
                "shared": p.shared,
                "due_on": p.due_on,
                "required_done": p.required_done if p.shared else None,
                "required_total": p.required_total if p.shared else None,
                "overdue": p.overdue if p.shared else None,
                "courses": [c.__dict__ for c in p.courses],
            }
            for p in track_progress(track=track)
        ]
        _audit(request, track.organization, "orgs.track.progress", track=track, people=len(progress))
        return Response({**_track_out(track), "progress": progress})


class OrgTrackAssignApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="orgs_track_assign", request=AssignInput, responses=OpenApiTypes.OBJECT, tags=["employers"]
    )
    def post(self, request: Request, org_id: int, track_id: int) -> Response:
        organization = _org(request, org_id)
        track = get_object_or_404(organization.tracks, pk=track_id)
        data = AssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        members = members_of(organization=organization)
        if data.validated_data.get("group"):
            group = data.validated_data["group"]
            if group == "all":
                chosen = list(members)
            elif group.startswith("role:"):
                chosen = [
                    m for m in members if m.target_role and m.target_role.code == group[5:] and m.share_target_role
                ]
            else:
                raise serializers.ValidationError({"group": ["use 'all' or 'role:<ROLE_CODE>'"]})
        else:
            wanted = {str(u) for u in data.validated_data["members"]}
            chosen = [m for m in members if str(m.public_id) in wanted]
            unknown = sorted(wanted - {str(m.public_id) for m in chosen})
            if unknown:
                raise serializers.ValidationError(
                    {"members": [f"not members of this organization: {', '.join(unknown)}"]}
                )
        try:
            new, existing = track_assign(
                track=track, learners=chosen, due_on=data.validated_data.get("due_on"), assigned_by=_user(request)
            )
        except TrackError as exc:
            raise serializers.ValidationError({exc.field: [str(exc)]}) from exc
        return Response({"assigned": new, "already_assigned": existing})


class OrgTrackCsvApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="orgs_track_csv", responses={(200, "text/csv"): str}, tags=["employers"])
    def get(self, request: Request, org_id: int, track_id: int) -> HttpResponse:
        organization = _org(request, org_id)
        track = get_object_or_404(organization.tracks, pk=track_id)
        progress = track_progress(track=track)
        _audit(
            request,
            organization,
            "orgs.track.progress_csv",
            action=AuditAction.EXPORT,
            track=track,
            people=len(progress),
        )
        out = io.StringIO()
        writer = csv_writer(out)  # formula-like cells quoted (common/csv_safe.py)
        writer.writerow(
            ["learner", "username", "course", "title", "required", "due_on", "status", "percent", "overdue"]
        )
        for p in progress:
            if not p.shared:
                writer.writerow(
                    [p.learner.public_id, p.learner.user.get_username(), "", "", "", p.due_on, "not shared", "", ""]
                )
            for c in p.courses:
                writer.writerow(
                    [
                        p.learner.public_id,
                        p.learner.user.get_username(),
                        c.course_id,
                        c.title,
                        c.required,
                        c.due_on,
                        c.status,
                        c.percent,
                        c.overdue,
                    ]
                )
        response = HttpResponse(("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="track-{track.pk}-progress.csv"'
        return response


class OrgDashboardApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="orgs_dashboard", responses=OpenApiTypes.OBJECT, tags=["employers"])
    def get(self, request: Request, org_id: int) -> Response:
        organization = _org(request, org_id)
        data = team_dashboard(organization=organization)
        _audit(request, organization, "orgs.dashboard", people=data["members"])
        return Response(data)


class MyTracksApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="me_tracks", responses=ASSIGNED_LIST, tags=["me"])
    def get(self, request: Request) -> Response:
        learner = learner_profile_get_or_create(user=_user(request))
        return Response(
            [
                {**_track_out(a.track), "assigned_on": a.assigned_on, "due_on": a.due_on}
                for a in tracks_of_learner(learner=learner)
            ]
        )
