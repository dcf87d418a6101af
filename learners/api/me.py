"""The signed-in learner's own record: nobody else's ids resolve here (404)."""

from __future__ import annotations

from django.contrib.auth import logout
from django.contrib.auth.models import User
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated, PermissionDenied, Throttled
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AuditAction
from audit.services import audit_record
from learners.api.serializers import (
    AssessmentsInput,
    CurrentLevelOutput,
    EnrollmentOutput,
    ProfileInput,
    ProfileOutput,
)
from learners.models import LearnerProfile
from learners.selectors import enrollments_of, learner_current_levels, learner_data_export
from learners.services import (
    account_deletion_refusal,
    learner_account_delete,
    learner_profile_get_or_create,
    learner_profile_update,
    skill_assessments_record,
)
from skills.models import SkillItem
from skills.selectors import standard_version_get


def _me(request: Request) -> LearnerProfile:
    if not isinstance(request.user, User):
        raise NotAuthenticated()
    return learner_profile_get_or_create(user=request.user)


class MyProfileApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="me_profile", responses=ProfileOutput, tags=["me"])
    def get(self, request: Request) -> Response:
        return Response(ProfileOutput(_me(request)).data)

    @extend_schema(operation_id="me_profile_update", request=ProfileInput, responses=ProfileOutput, tags=["me"])
    def patch(self, request: Request) -> Response:
        data = ProfileInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "target_role" in changes and changes["target_role"] is not None:
            role = standard_version_get().roles.filter(code=changes["target_role"]).first()
            if role is None:
                raise serializers.ValidationError({"target_role": [f"{changes['target_role']!r} is not a role code"]})
            changes["target_role"] = role
        me = _me(request)
        if changes.get("prefecture") and changes.get("abroad", me.abroad):
            raise serializers.ValidationError({"prefecture": ["A learner who lives abroad has no prefecture."]})
        profile = learner_profile_update(profile=me, changes=changes)
        return Response(ProfileOutput(profile).data)


class MyAssessmentsApi(APIView):
    """Current levels (GET); record a self-assessment (POST {"levels": {"DU04": 2}})."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="me_levels", responses=CurrentLevelOutput(many=True), tags=["me"])
    def get(self, request: Request) -> Response:
        levels = learner_current_levels(learner=_me(request))
        codes = dict(SkillItem.objects.filter(pk__in=levels).values_list("pk", "code"))
        rows = [
            {"skill": codes[item_id], "level": c.level, "source": c.source, "assessed_at": c.assessed_at}
            for item_id, c in sorted(levels.items(), key=lambda kv: codes[kv[0]])
        ]
        return Response(CurrentLevelOutput(rows, many=True).data)

    @extend_schema(
        operation_id="me_assessments_record",
        request=AssessmentsInput,
        responses=CurrentLevelOutput(many=True),
        tags=["me"],
    )
    def post(self, request: Request) -> Response:
        data = AssessmentsInput(data=request.data)
        data.is_valid(raise_exception=True)
        wanted = data.validated_data["levels"]
        items = {i.code: i for i in standard_version_get().skill_items.filter(code__in=list(wanted))}
        unknown = sorted(set(wanted) - set(items))
        if unknown:
            raise serializers.ValidationError({"levels": [f"unknown skill item code(s): {', '.join(unknown)}"]})
        skill_assessments_record(
            learner=_me(request),
            levels={items[code]: level for code, level in wanted.items()},
            note=data.validated_data.get("note", ""),
            recorded_by=request.user,  # type: ignore[arg-type]
        )
        return self.get(request)


class MyEnrollmentsApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="me_enrollments", responses=EnrollmentOutput(many=True), tags=["me"])
    def get(self, request: Request) -> Response:
        return Response(EnrollmentOutput(enrollments_of(learner=_me(request)), many=True).data)


class MyEnrollmentDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="me_enrollment", responses=EnrollmentOutput, tags=["me"])
    def get(self, request: Request, pk: int) -> Response:
        enrollment = get_object_or_404(enrollments_of(learner=_me(request)), pk=pk)
        return Response(EnrollmentOutput(enrollment).data)


class MyDataExportApi(APIView):
    """Everything stored about me, as one JSON document (APPI disclosure)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="me_export", responses=OpenApiTypes.OBJECT, tags=["me"])
    def get(self, request: Request) -> Response:
        learner = _me(request)
        with transaction.atomic():
            data = learner_data_export(learner=learner)
            audit_record(action=AuditAction.EXPORT, event="me.export", actor=learner.user, subject=learner.user)
        response = Response(data)
        response["Content-Disposition"] = 'attachment; filename="dxpathways-my-data.json"'
        response["Cache-Control"] = "private, no-store"  # personal data: never kept by a cache
        return response


class AccountDeleteInput(serializers.Serializer):
    password = serializers.CharField(max_length=4096, trim_whitespace=False, help_text="your current password")


ACCOUNT_DELETE_BODY = {
    "type": "object",
    "properties": {"password": {"type": "string", "minLength": 1, "maxLength": 4096}},
    "required": ["password"],
}


class MyAccountApi(APIView):
    """DELETE: erase my account and everything about me (password required); answers 204."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_account_delete",
        responses={204: None},
        tags=["me"],
        # drf-spectacular leaves DELETE bodies out; common.openapi turns this into the requestBody
        extensions={"x-request-body": ACCOUNT_DELETE_BODY},
    )
    def delete(self, request: Request) -> Response:
        user = request.user
        if not isinstance(user, User):
            raise NotAuthenticated()
        data = AccountDeleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        problem = account_deletion_refusal(
            user=user, password=data.validated_data["password"], request=request._request
        )
        if problem is not None:
            if problem.wait:
                raise Throttled(problem.wait, detail=problem.message)
            if problem.field == "account":
                raise PermissionDenied(problem.message)
            raise serializers.ValidationError({problem.field: [problem.message]})
        learner_account_delete(learner=learner_profile_get_or_create(user=user))
        if request.session is not None and "_auth_user_id" in request.session:
            logout(request._request)
        return Response(status=204)
