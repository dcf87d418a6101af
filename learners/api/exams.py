"""Exams as skill evidence: the exam list with its estimated map, the learner's passes, employers' imports,
and the organization's DX認定 record (docs/exams.md)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from learners.exam_services import (
    ExamPassError,
    exam_pass_add,
    exam_pass_delete,
    exam_passes_of,
    org_exam_results_import,
    organization_dx_update,
)
from learners.models import Organization
from learners.selectors import organization_for_admin
from learners.services import learner_profile_get_or_create
from skills.models import Exam, ExamSkill

IMPORT_MAX_BYTES = 2 * 1024 * 1024


def _bad(error: ExamPassError) -> serializers.ValidationError:
    where = f"row {error.row}: " if error.row else ""
    return serializers.ValidationError({error.field or "file": [where + error.message]})


class ExamOutput(serializers.Serializer):
    code = serializers.CharField()
    name_ja = serializers.CharField()
    name_en = serializers.CharField()
    issuer = serializers.CharField()
    level = serializers.IntegerField()
    level_is_estimated = serializers.BooleanField()
    first_held_on = serializers.DateField()
    valid_years = serializers.IntegerField(allow_null=True)
    skills = serializers.ListField(child=serializers.DictField())


class ExamListApi(APIView):
    """Every exam with the DSS-P items and levels a pass shows (`estimated`: the project's own estimate)."""

    permission_classes = [AllowAny]

    @extend_schema(operation_id="exams_list", responses=ExamOutput(many=True), tags=["standard"])
    def get(self, request: Request) -> Response:
        skills: dict[int, list[dict[str, Any]]] = {}
        for m in ExamSkill.objects.select_related("skill_item").order_by("exam_id", "skill_item__position"):
            skills.setdefault(m.exam_id, []).append(
                {"skill": m.skill_item.code, "level": m.level, "estimated": m.is_estimated, "rationale": m.rationale}
            )
        rows = [
            {
                "code": e.code,
                "name_ja": e.name_ja,
                "name_en": e.name_en,
                "issuer": e.issuer,
                "level": e.level,
                "level_is_estimated": e.level_is_estimated,
                "first_held_on": e.first_held_on,
                "valid_years": e.valid_years,
                "skills": skills.get(e.pk, []),
            }
            for e in Exam.objects.all()
        ]
        return Response(ExamOutput(rows, many=True).data)


class ExamPassInput(serializers.Serializer):
    exam = serializers.CharField(max_length=20)
    passed_on = serializers.DateField()
    certificate_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class ExamPassOutput(serializers.Serializer):
    id = serializers.IntegerField()
    exam = serializers.CharField()
    exam_name_ja = serializers.CharField()
    exam_name_en = serializers.CharField()
    passed_on = serializers.DateField()
    certificate_number = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.source
    expires_on = serializers.DateField(allow_null=True)
    valid = serializers.BooleanField()
    mapping_estimated = serializers.BooleanField()


class MyExamsApi(APIView):
    """The learner's passed exams (GET); record one (POST): it becomes evidence of source exam."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="me_exams_list", responses=ExamPassOutput(many=True), tags=["me"])
    def get(self, request: Request) -> Response:
        learner = learner_profile_get_or_create(user=request.user)  # type: ignore[arg-type]
        return Response(ExamPassOutput(exam_passes_of(learner=learner), many=True).data)

    @extend_schema(
        operation_id="me_exams_add", request=ExamPassInput, responses={201: ExamPassOutput(many=True)}, tags=["me"]
    )
    def post(self, request: Request) -> Response:
        data = ExamPassInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        learner = learner_profile_get_or_create(user=request.user)  # type: ignore[arg-type]
        try:
            exam_pass_add(
                learner=learner,
                exam_code=d["exam"],
                passed_on=d["passed_on"],
                certificate_number=d["certificate_number"],
                recorded_by=request.user,  # type: ignore[arg-type]
            )
        except ExamPassError as exc:
            raise _bad(exc) from exc
        return Response(ExamPassOutput(exam_passes_of(learner=learner), many=True).data, status=201)


class MyExamDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="me_exams_delete", responses={204: None}, tags=["me"])
    def delete(self, request: Request, pk: int) -> Response:
        learner = learner_profile_get_or_create(user=request.user)  # type: ignore[arg-type]
        if not exam_pass_delete(learner=learner, pass_id=pk):
            raise Http404("No such exam pass of yours.")
        return Response(status=204)


def _org_for_admin_or_staff(request: Request, org_id: int) -> Organization:
    user = request.user
    if isinstance(user, User) and user.is_staff:
        organization = Organization.objects.filter(pk=org_id).first()
    else:
        organization = organization_for_admin(user=user, organization_id=org_id)
    if organization is None:
        raise Http404("No such organization among those you administer.")
    return organization


IMPORT_REPORT = inline_serializer(
    "ExamImportReport",
    {
        "rows": serializers.IntegerField(),
        "created": serializers.IntegerField(),
        "already_recorded": serializers.IntegerField(),
        "learners": serializers.IntegerField(),
    },
)


class OrgExamResultsInput(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (UTF-8 or CP932) with columns member, exam, date")


class OrgExamResultsApi(APIView):
    """Import staff exam results (CSV: member, exam, date); all-or-nothing, errors name the row and field."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="orgs_exam_results_import",
        request={"multipart/form-data": OrgExamResultsInput},
        responses={200: IMPORT_REPORT},
        tags=["employers"],
    )
    def post(self, request: Request, org_id: int) -> Response:
        organization = organization_for_admin(user=request.user, organization_id=org_id)
        if organization is None:
            raise Http404("No such organization among those you administer.")
        data = OrgExamResultsInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise serializers.ValidationError({"file": [f"is larger than {IMPORT_MAX_BYTES} bytes"]})
        try:
            report = org_exam_results_import(
                organization=organization,
                data=upload.read(),
                recorded_by=request.user,  # type: ignore[arg-type]
            )
        except ExamPassError as exc:
            raise _bad(exc) from exc
        return Response(
            {
                "rows": report.rows,
                "created": report.created,
                "already_recorded": report.already_recorded,
                "learners": report.learners,
            }
        )


class DxCertificationInput(serializers.Serializer):
    dx_certified_on = serializers.DateField(allow_null=True)
    dx_certified_until = serializers.DateField(allow_null=True)
    dx_selection_year = serializers.IntegerField(allow_null=True, min_value=2020, max_value=2100)


def _dx_out(o: Organization) -> dict[str, Any]:
    return {
        "dx_certified_on": o.dx_certified_on,
        "dx_certified_until": o.dx_certified_until,
        "dx_selection_year": o.dx_selection_year,
    }


class OrgDxCertificationApi(APIView):
    """The organization's DX認定 dates and DXセレクション year: its admins and staff read and change them."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="orgs_dx_certification", responses=DxCertificationInput, tags=["employers"])
    def get(self, request: Request, org_id: int) -> Response:
        return Response(DxCertificationInput(_dx_out(_org_for_admin_or_staff(request, org_id))).data)

    @extend_schema(
        operation_id="orgs_dx_certification_update",
        request=DxCertificationInput,
        responses=DxCertificationInput,
        tags=["employers"],
    )
    def put(self, request: Request, org_id: int) -> Response:
        organization = _org_for_admin_or_staff(request, org_id)
        data = DxCertificationInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        try:
            organization_dx_update(
                organization=organization,
                certified_on=d["dx_certified_on"],
                certified_until=d["dx_certified_until"],
                selection_year=d["dx_selection_year"],
            )
        except ExamPassError as exc:
            raise _bad(exc) from exc
        return Response(DxCertificationInput(_dx_out(organization)).data)
