"""Plans and gaps for the signed-in learner, an employer's view of a member's plan, skill inference."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AuditAction
from audit.services import audit_record
from common.limits import (
    BUDGET_JPY_MAX,
    BUDGET_JPY_MIN,
    WEEKLY_HOURS_MAX,
    WEEKLY_HOURS_MIN,
    WEEKS_MAX,
    WEEKS_MIN,
)
from courses.catalog_format import FORMATS
from learners.selectors import members_of, organization_for_admin
from learners.services import learner_profile_get_or_create
from recommender.core.encoders import EncoderUnavailable
from recommender.core.geo import PREFECTURE_CODES
from recommender.core.tagging import CourseText
from recommender.planning import infer
from recommender.services import plan_compute, plan_current_for_user, plan_refresh
from recommender.whatif import WhatIfError, what_if, what_if_members, what_if_role
from skills.selectors import standard_version_get


def _user(request: Request) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied()
    return request.user


class PlanOverrides(serializers.Serializer):
    weekly_hours = serializers.FloatField(required=False, min_value=WEEKLY_HOURS_MIN, max_value=WEEKLY_HOURS_MAX)
    weeks = serializers.IntegerField(required=False, min_value=WEEKS_MIN, max_value=WEEKS_MAX)
    budget_jpy = serializers.IntegerField(required=False, min_value=BUDGET_JPY_MIN, max_value=BUDGET_JPY_MAX)
    free_only = serializers.BooleanField(required=False)
    formats = serializers.ListField(child=serializers.ChoiceField(choices=FORMATS), required=False)
    language = serializers.ChoiceField(choices=["ja", "en"], required=False, allow_blank=True)
    prefecture = serializers.ChoiceField(choices=list(PREFECTURE_CODES), required=False, allow_blank=True)
    travel = serializers.BooleanField(required=False)

    def validate_prefecture(self, value: str) -> str:
        learner = self.context.get("learner")
        if value and learner is not None and learner.abroad:
            raise serializers.ValidationError("Your profile says you live outside Japan: a prefecture does not apply.")
        return value


class MyGapsApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="me_gaps", responses=OpenApiTypes.OBJECT, tags=["me"])
    def get(self, request: Request) -> Response:
        data = plan_compute(learner=learner_profile_get_or_create(user=_user(request)))
        return Response({"gaps": data["gaps"], "needs_literacy": data["needs_literacy"], "message": data["message"]})


class MyPlanApi(APIView):
    """GET: the current plan (computed now if none is stored). POST: regenerate, optionally with other limits."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="me_plan", responses=OpenApiTypes.OBJECT, tags=["me"])
    def get(self, request: Request) -> Response:
        stored = plan_current_for_user(user=_user(request))
        return Response(
            {**stored.payload, "catalog_version": stored.catalog_version, "computed_at": stored.computed_at}
        )

    @extend_schema(operation_id="me_plan_regenerate", request=PlanOverrides, responses=OpenApiTypes.OBJECT, tags=["me"])
    def post(self, request: Request) -> Response:
        learner = learner_profile_get_or_create(user=_user(request))
        data = PlanOverrides(data=request.data, context={"learner": learner})
        data.is_valid(raise_exception=True)
        stored = plan_refresh(learner_id=learner.pk, overrides=dict(data.validated_data))
        return Response(
            {**stored.payload, "catalog_version": stored.catalog_version, "computed_at": stored.computed_at}
        )


class MemberPlanApi(APIView):
    """An employer sees a member's plan only if the member shares both target role and levels."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="orgs_member_plan", responses=OpenApiTypes.OBJECT, tags=["employers"])
    def get(self, request: Request, org_id: int, learner: str) -> Response:
        organization = organization_for_admin(user=request.user, organization_id=org_id)
        if organization is None:
            raise Http404("No such organization among those you administer.")
        member = next((m for m in members_of(organization=organization) if str(m.public_id) == learner), None)
        if member is None:
            raise Http404("No such member.")
        if not (member.share_target_role and member.share_levels):
            raise PermissionDenied("This member does not share their target role and levels.")
        plan = plan_compute(learner=member)
        plan.pop("_catalog_version", None)
        audit_record(
            action=AuditAction.READ,
            event="orgs.member.plan",
            actor=_user(request),
            object_type="learners.learnerprofile",
            subject=member.user,
            organization_id=organization.pk,
        )
        return Response(plan)


class InferInput(serializers.Serializer):
    title = serializers.CharField(allow_blank=True, max_length=300, default="")
    description = serializers.CharField(allow_blank=True, max_length=5000, default="")
    title_en = serializers.CharField(allow_blank=True, max_length=300, default="")
    description_en = serializers.CharField(allow_blank=True, max_length=5000, default="")
    level = serializers.IntegerField(required=False, min_value=1, max_value=4)
    # Without `top`: the calibrated tags above RECOMMENDER_TAG_THRESHOLD (at most three); with it, a ranked list.
    top = serializers.IntegerField(required=False, min_value=1, max_value=10, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not any(attrs.get(k, "").strip() for k in ("title", "description", "title_en", "description_en")):
            raise serializers.ValidationError({"description": ["the text is empty"]})
        return attrs


class InferSkillsApi(APIView):
    """Course text -> DSS skill items (for provider accounts and staff)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="recommender_infer_skills", request=InferInput, responses=OpenApiTypes.OBJECT, tags=["recommender"]
    )
    def post(self, request: Request) -> Response:
        user = _user(request)
        if not (user.is_staff or user.providers.exists()):
            raise PermissionDenied("Only provider accounts and staff can use skill inference.")
        data = InferInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        text = CourseText(d["title"], d["description"], d["title_en"], d["description_en"], d.get("level"))
        try:
            return Response(infer(version=standard_version_get(), texts=[text], top_k=d["top"])[0])
        except EncoderUnavailable as exc:
            raise ModelUnavailable(str(exc)) from exc


class ModelUnavailable(APIException):
    status_code = 503
    default_detail = "The skill model is not available."
    default_code = "model_unavailable"


class WhatIfInput(serializers.Serializer):
    group = serializers.CharField(
        required=False, allow_blank=True, max_length=40, help_text="'all' or 'role:<ROLE_CODE>' (or give members)"
    )
    members = serializers.ListField(child=serializers.UUIDField(), required=False, max_length=10_000)
    target_role = serializers.CharField(max_length=30)
    budget_per_person = serializers.IntegerField(min_value=BUDGET_JPY_MIN, max_value=BUDGET_JPY_MAX)
    budget_b = serializers.IntegerField(
        required=False, allow_null=True, min_value=BUDGET_JPY_MIN, max_value=BUDGET_JPY_MAX
    )
    weekly_hours = serializers.FloatField(min_value=WEEKLY_HOURS_MIN, max_value=WEEKLY_HOURS_MAX)
    deadline = serializers.DateField()


class OrgWhatIfApi(APIView):
    """An employer's what-if for a group and a target role (docs/what-if.md): the plans the planner would give
    them under a budget per person, weekly hours and a deadline, with totals and the ESTIMATED subsidy-eligible
    part; with `budget_b`, both budgets side by side.  Read-only: nothing is planned or assigned."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="orgs_what_if", request=WhatIfInput, responses=OpenApiTypes.OBJECT, tags=["employers"])
    def post(self, request: Request, org_id: int) -> Response:
        organization = organization_for_admin(user=request.user, organization_id=org_id)
        if organization is None:
            raise Http404("No such organization among those you administer.")
        data = WhatIfInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        try:
            role = what_if_role(code=d["target_role"])
            members = what_if_members(
                organization=organization, group=d.get("group") or "", members=[str(u) for u in d.get("members", [])]
            )
            result = what_if(
                organization=organization,
                members=members,
                target_role=role,
                budget_per_person=d["budget_per_person"],
                budget_b=d.get("budget_b"),
                weekly_hours=d["weekly_hours"],
                deadline=d["deadline"],
            )
        except WhatIfError as exc:
            raise serializers.ValidationError({exc.field: [str(exc)]}) from exc
        audit_record(
            action=AuditAction.READ,
            event="orgs.what_if",
            actor=_user(request),
            object_type="learners.organization",
            object_id=organization.pk,
            organization_id=organization.pk,
            detail={"people": len(members)},
        )
        return Response(result)
