"""Interop API: CASE import (staff), credentials (own, public, verify), Moodle exports."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import User
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAdminUser, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.i18n import request_lang
from interop.models import Credential
from interop.moodle import course_upload_csv, framework_csv
from interop.selectors import (
    credential_get_own,
    credential_get_public,
    credentials_of,
    moodle_framework_for_role,
    moodle_template_for_track,
    moodle_upload_courses,
)
from interop.services import audit_export, case_package_import, credential_share_set, credential_verify
from learners.selectors import organization_for_admin
from skills.dss_fixture import FixtureError
from skills.selectors import StandardNotLoaded, standard_version_get

JSON_LD = "application/ld+json"  # an OpenBadgeCredential is JSON-LD


class CredentialOutput(serializers.ModelSerializer[Credential]):
    id = serializers.UUIDField(source="public_id")
    public_url = serializers.SerializerMethodField()

    class Meta:
        model = Credential
        fields = ["id", "kind", "name", "level", "issued_at", "shared", "revoked_at", "public_url", "document"]

    def get_public_url(self, obj: Credential) -> str:
        return str(obj.document.get("id", ""))


class MyCredentialsApi(APIView):
    """The signed-in learner's credentials (Open Badges 3.0), newest first."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="me_credentials", responses=CredentialOutput(many=True), tags=["me"])
    def get(self, request: Request) -> Response:
        return Response(CredentialOutput(credentials_of(user=request.user), many=True).data)


class MyCredentialApi(APIView):
    """One of my credentials: GET downloads the signed JSON; PATCH {shared} turns the public link on or off."""

    permission_classes = [IsAuthenticated]

    class Input(serializers.Serializer[Any]):
        shared = serializers.BooleanField()

    def _own(self, request: Request, credential_id: uuid.UUID) -> Credential:
        credential = credential_get_own(user=request.user, public_id=credential_id)
        if credential is None:
            raise Http404("No such credential of yours.")
        return credential

    @extend_schema(operation_id="me_credential", responses={(200, JSON_LD): OpenApiTypes.OBJECT}, tags=["me"])
    def get(self, request: Request, credential_id: uuid.UUID) -> Response:
        credential = self._own(request, credential_id)
        response = Response(credential.document, content_type="application/ld+json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="credential-{credential.public_id}.json"'
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(operation_id="me_credential_share", request=Input, responses=CredentialOutput, tags=["me"])
    def patch(self, request: Request, credential_id: uuid.UUID) -> Response:
        credential = self._own(request, credential_id)
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        credential = credential_share_set(credential=credential, shared=data.validated_data["shared"])
        return Response(CredentialOutput(credential).data)


class CredentialPublicApi(APIView):
    """A shared credential (404 unless its learner shared it)."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="credential_public", responses={(200, JSON_LD): OpenApiTypes.OBJECT}, tags=["credentials"]
    )
    def get(self, request: Request, credential_id: uuid.UUID) -> Response:
        credential = credential_get_public(public_id=credential_id, viewer=request.user)
        if credential is None:
            raise Http404("No such shared credential.")
        return Response(credential.document, content_type="application/ld+json; charset=utf-8")


class CredentialVerifyApi(APIView):
    """Verify an OpenBadgeCredential: its eddsa-jcs-2022 proof against this issuer's keys, and revocation."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="credential_verify",
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
        tags=["credentials"],
    )
    def post(self, request: Request) -> Response:
        document = request.data
        if isinstance(document, dict) and set(document) == {"credential"}:
            document = document["credential"]
        if not isinstance(document, dict) or not document:
            return Response({"credential": ['Send the credential JSON (or {"credential": {...}}).']}, status=400)
        return Response(credential_verify(document=dict(document)))


class CaseImportApi(APIView):
    """Import a CASE 1.1 package as a new standard version (staff only; all-or-nothing)."""

    permission_classes = [IsAdminUser]

    class Input(serializers.Serializer[Any]):
        version = serializers.RegexField(r"^[-a-zA-Z0-9_.]+$", max_length=40)
        package = serializers.DictField()
        make_current = serializers.BooleanField(default=False)

    @extend_schema(operation_id="case_import", request=Input, responses=OpenApiTypes.OBJECT, tags=["standard"])
    def post(self, request: Request) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            report = case_package_import(
                package=values["package"],
                version=values["version"],
                source="request",
                make_current=values["make_current"],
            )
        except FixtureError as exc:  # the package's field paths, or the standard's own rules
            fields = [".".join(filter(None, (i.location, i.field))) for i in exc.issues]
            return Response(
                {"errors": [{"field": f, "message": i.message} for f, i in zip(fields, exc.issues, strict=True)]},
                status=400,
            )
        return Response({"version": report.version, "changed": report.changed}, status=201)


class RoleMoodleFrameworkApi(APIView):
    """A role's requirements as the CSV Moodle's competency framework import (tool_lpimportcsv) reads."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="standard_role_moodle_framework",
        parameters=[
            OpenApiParameter("lang", OpenApiTypes.STR, enum=["ja", "en"]),
            OpenApiParameter("version", OpenApiTypes.STR),
        ],
        responses={(200, "text/csv"): str},
        tags=["standard"],
    )
    def get(self, request: Request, code: str) -> HttpResponse:
        try:
            version = standard_version_get(code=request.query_params.get("version") or None)
        except StandardNotLoaded as exc:
            raise Http404(str(exc)) from exc
        role = get_object_or_404(version.roles.select_related("version"), code=code)
        body = framework_csv(moodle_framework_for_role(role=role, lang=request_lang(request)))
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="moodle-framework-{version.code}-{role.code}.csv"'
        return response


class MoodleCourseUploadApi(APIView):
    """The published catalog as the CSV of Moodle's course upload (tool_uploadcourse)."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="catalog_moodle_courses",
        parameters=[
            OpenApiParameter("category", OpenApiTypes.INT, description="Moodle course category id (default 1)"),
            OpenApiParameter("provider", OpenApiTypes.INT, description="only this provider's courses"),
            OpenApiParameter("lang", OpenApiTypes.STR, enum=["ja", "en"]),
        ],
        responses={(200, "text/csv"): str, 400: OpenApiTypes.OBJECT},
        tags=["catalog"],
    )
    def get(self, request: Request) -> HttpResponse:
        params = request.query_params
        problems = {
            name: ["must be a whole number of at least 1"]
            for name in ("category", "provider")
            if name in params and (not params[name].isdigit() or int(params[name]) < 1 or len(params[name]) > 9)
        }
        if problems:
            return Response(problems, status=400)
        rows = moodle_upload_courses(
            lang=request_lang(request), provider_id=int(params["provider"]) if "provider" in params else None
        )
        body = course_upload_csv(rows, category=int(params.get("category", "1")))
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="moodle-courses.csv"'
        return response


class OrgTrackMoodleTemplateApi(APIView):
    """A track as a Moodle learning plan template (organization admins of its organization only)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="orgs_track_moodle_template", responses=OpenApiTypes.OBJECT, tags=["employers"])
    def get(self, request: Request, org_id: int, track_id: int) -> Response:
        organization = organization_for_admin(user=request.user, organization_id=org_id)
        if organization is None:
            raise Http404("No such organization among those you administer.")
        track = get_object_or_404(organization.tracks.select_related("target_role__version"), pk=track_id)
        try:
            template = moodle_template_for_track(track=track, lang=request_lang(request))
        except ValueError as exc:
            field, _sep, message = str(exc).partition(": ")
            return Response({field: [message]}, status=400)
        actor = request.user if isinstance(request.user, User) else None
        audit_export(event="orgs.track.moodle_template", actor=actor, object_type="learners.track", object_id=track.pk)
        return Response(template)
