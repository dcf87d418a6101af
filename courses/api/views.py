"""Catalog API: search and detail (public), import (provider accounts and staff), export, review (staff)."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from django.contrib.auth.models import User
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission, IsAdminUser, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AuditAction
from audit.services import audit_record
from common.i18n import request_lang
from courses.api.serializers import (
    CourseDetailOutput,
    CourseOutput,
    CourseSearchInput,
    CourseSearchOutput,
    ImportInput,
    ImportRunOutput,
    ReviewInput,
    ReviewTagOutput,
)
from courses.catalog_format import dump_csv, dump_json
from courses.models import CourseSkill, Provider, ReviewStatus
from courses.selectors import (
    catalog_export_rows,
    catalog_version,
    course_detail_get,
    course_search,
    course_search_page,
    import_runs_visible_to,
    provider_ids_for,
    review_queue,
    search_snippets,
    search_suggestions,
)
from courses.services import catalog_import, course_skill_review
from skills.models import StandardVersion
from skills.selectors import StandardNotLoaded, standard_version_get

SEARCH_CACHE_SECONDS = 600
_codes_cache: dict[tuple[int, str, Any], dict[str, set[str]]] = {}


def search_codes(version: StandardVersion) -> dict[str, set[str]]:
    """The codes search filters accept; read once per version state and kept in memory."""
    key = (version.pk, version.content_hash, version.updated_at)
    if key not in _codes_cache:
        _codes_cache.clear()
        _codes_cache[key] = {
            "skill_item": set(version.skill_items.values_list("code", flat=True)),
            "persona_type": set(version.persona_types.values_list("code", flat=True)),
            "role": set(version.roles.values_list("code", flat=True)),
            "literacy_section": set(version.literacy_sections.values_list("code", flat=True)),
        }
    return _codes_cache[key]


def search_params(request: Request) -> dict[str, str]:
    """Query parameters with repeated ones joined by commas (`level=2&level=3` == `level=2,3`)."""
    return {k: ",".join(request.query_params.getlist(k)) for k in request.query_params}


def snippet_fields(segments: list[tuple[str, bool]] | None) -> dict[str, Any]:
    """A snippet as plain text and the [start, end) offsets of the matched words in it."""
    if segments is None:
        return {"snippet": None, "highlights": []}
    text, marks, at = [], [], 0
    for piece, hit in segments:
        if hit:
            marks.append([at, at + len(piece)])
        text.append(piece)
        at += len(piece)
    return {"snippet": "".join(text), "highlights": marks}


class CourseSearchApi(APIView):
    """Search published courses; filters combine with AND, list values with OR."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="courses_search", parameters=[CourseSearchInput], responses=CourseSearchOutput, tags=["courses"]
    )
    def get(self, request: Request) -> HttpResponse:
        try:
            version = standard_version_get()
        except StandardNotLoaded as exc:
            raise NotFound(str(exc)) from exc
        params = CourseSearchInput(data=search_params(request), codes=search_codes(version))
        params.is_valid(raise_exception=True)
        lang = request_lang(request)
        current = catalog_version()

        def answer() -> dict[str, Any]:
            page, size = params.validated_data["page"], params.validated_data["page_size"]
            result = course_search_page(
                qs=course_search(query=params.to_query(), version=version), page=page, page_size=size
            )
            q = params.validated_data.get("q", "")
            snippets = search_snippets(courses=result.courses, q=q, lang=lang)
            results = CourseOutput(result.courses, many=True, context={"lang": lang}).data
            for row, course in zip(results, result.courses, strict=True):
                row.update(snippet_fields(snippets.get(course.pk)))
            return {
                "count": result.total,
                "page": page,
                "page_size": size,
                "num_pages": max(1, math.ceil(result.total / size)),
                "catalog_version": current,
                "results": results,
                "facets": result.facets,
                "suggestions": search_suggestions(q=q) if result.total == 0 else [],
            }

        if request.accepted_renderer.format != "json":
            return Response(answer())  # the browsable API renders fresh
        # JSON answers are cached as bytes per catalog version: any change to the catalog makes new keys.
        key = (
            "courses-search:"
            + hashlib.sha256(
                json.dumps([current, version.pk, lang, sorted(params.validated_data.items())], default=str).encode()
            ).hexdigest()
        )
        body = cache.get(key)
        if body is None:
            body = JSONRenderer().render(answer())
            cache.set(key, body, timeout=SEARCH_CACHE_SECONDS)
        return HttpResponse(body, content_type="application/json")


class CourseDetailApi(APIView):
    """One course with its skills, literacy, provider and prerequisites."""

    permission_classes = [AllowAny]

    @extend_schema(operation_id="courses_detail", responses=CourseDetailOutput, tags=["courses"])
    def get(self, request: Request, pk: int) -> Response:
        course = course_detail_get(pk=pk, viewer=request.user)
        if course is None:
            raise NotFound("No such course.")
        return Response(CourseDetailOutput(course, context={"lang": request_lang(request)}).data)


class RawCatalogJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> dict[str, bytes]:
        return {"raw": stream.read() if stream is not None else b""}


class RawCatalogCSVParser(RawCatalogJSONParser):
    media_type = "text/csv"


class IsCatalogProviderOrStaff(BasePermission):
    message = "Only staff and accounts that act for a provider can import courses."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return bool(user.is_staff or Provider.objects.filter(members=user).exists())


class CatalogImportApi(APIView):
    """Upload a catalog file (docs/catalog-format.md); `?partial=1` stores the valid rows."""

    permission_classes = [IsAuthenticated, IsCatalogProviderOrStaff]
    parser_classes = [MultiPartParser, RawCatalogJSONParser, RawCatalogCSVParser]

    @extend_schema(
        request={
            "multipart/form-data": ImportInput,
            "application/json": OpenApiTypes.BINARY,
            "text/csv": OpenApiTypes.BINARY,
        },
        parameters=[OpenApiParameter("partial", OpenApiTypes.BOOL, description="store valid rows, report the rest")],
        operation_id="catalog_imports_create",
        responses={
            201: ImportRunOutput,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT, description="the import run with every problem (nothing stored), or field errors"
            ),
        },
        tags=["catalog"],
    )
    def post(self, request: Request) -> Response:
        partial = request.query_params.get("partial", "").lower() in ("1", "true", "yes")
        upload = request.data.get("file") if hasattr(request.data, "get") else None
        if upload is not None and hasattr(upload, "read"):
            data, filename = upload.read(), upload.name or ""
        elif isinstance(request.data, dict) and "raw" in request.data:
            data = request.data["raw"]
            filename = "upload.csv" if request.content_type.startswith("text/csv") else "upload.json"
        else:
            raise serializers.ValidationError({"file": ["Upload a .json or .csv catalog file in the 'file' field."]})
        report = catalog_import(
            data=data,
            filename=filename,
            partial=partial,
            actor=request.user,
            allowed_provider_ids=provider_ids_for(user=request.user),
        )
        code = status.HTTP_201_CREATED if report.stored else status.HTTP_400_BAD_REQUEST
        return Response(ImportRunOutput(report.run).data, status=code)

    @extend_schema(operation_id="catalog_imports_list", responses=ImportRunOutput(many=True), tags=["catalog"])
    def get(self, request: Request) -> Response:
        runs = import_runs_visible_to(user=request.user)[:100]
        return Response(ImportRunOutput(runs, many=True).data)


class CatalogImportDetailApi(APIView):
    permission_classes = [IsAuthenticated, IsCatalogProviderOrStaff]

    @extend_schema(operation_id="catalog_imports_detail", responses=ImportRunOutput, tags=["catalog"])
    def get(self, request: Request, pk: int) -> Response:
        run = get_object_or_404(import_runs_visible_to(user=request.user), pk=pk)
        return Response(ImportRunOutput(run).data)


class CatalogExportApi(APIView):
    """The published catalog in the import format; importing it reproduces it exactly."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"], description="default json"),
            OpenApiParameter("provider", OpenApiTypes.INT, description="only this provider's courses"),
        ],
        operation_id="catalog_export",
        responses={
            (200, "application/json"): OpenApiResponse(
                {"type": "array", "items": {"type": "object"}}, description="course records (docs/catalog-format.md)"
            ),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="the same records as CSV"),
        },
        tags=["catalog"],
    )
    def get(self, request: Request) -> HttpResponse:
        fmt = request.query_params.get("format", "json")
        if fmt not in ("json", "csv"):
            raise serializers.ValidationError({"format": [f"{fmt!r} is not one of json, csv"]})
        provider = request.query_params.get("provider")
        if provider is not None and not provider.isdigit():
            raise serializers.ValidationError({"provider": ["must be a provider id (a whole number)"]})
        rows = catalog_export_rows(provider_ids={int(provider)} if provider else None)
        audit_record(
            action=AuditAction.EXPORT,
            event="catalog.export",
            object_type="courses.course",
            detail={"format": fmt, "rows": len(rows), "provider": int(provider) if provider else None},
        )
        if fmt == "csv":
            response = HttpResponse(dump_csv(rows).encode("utf-8"), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(dump_json(rows).encode("utf-8"), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="catalog-v{catalog_version()}.{fmt}"'
        return response


class ReviewQueueApi(APIView):
    """Inferred skill tags for staff to accept, reject or re-level (least confident first)."""

    permission_classes = [IsAdminUser]

    @extend_schema(
        operation_id="catalog_review_list",
        parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=ReviewStatus.values)],
        responses=ReviewTagOutput(many=True),
        tags=["catalog"],
    )
    def get(self, request: Request) -> Response:
        wanted = request.query_params.get("status", ReviewStatus.PENDING)
        if wanted not in ReviewStatus.values:
            raise serializers.ValidationError(
                {"status": [f"{wanted!r} is not one of {', '.join(ReviewStatus.values)}"]}
            )
        tags = review_queue(status=wanted)[:200]
        return Response(ReviewTagOutput(tags, many=True, context={"lang": request_lang(request)}).data)


class ReviewDecisionApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        operation_id="catalog_review_decide",
        request=ReviewInput,
        responses={200: ReviewTagOutput, 400: OpenApiResponse()},
        tags=["catalog"],
    )
    def post(self, request: Request, pk: int) -> Response:
        tag = get_object_or_404(CourseSkill.objects.select_related("course__provider", "skill_item"), pk=pk)
        data = ReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        if not isinstance(request.user, User):  # IsAdminUser already refused anonymous users
            raise PermissionDenied()
        tag = course_skill_review(
            tag=tag,
            reviewer=request.user,
            action=data.validated_data["action"],
            level=data.validated_data.get("level"),
        )
        return Response(ReviewTagOutput(tag, context={"lang": request_lang(request)}).data)
