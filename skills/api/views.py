"""Read-only API over the standard: GET only (writes answer 405), open to everyone."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from common.i18n import request_lang
from skills.api import serializers as s
from skills.models import StandardVersion
from skills.selectors import (
    StandardNotLoaded,
    grade_targets,
    importance_grade_list,
    literacy_item_list,
    literacy_section_tree,
    persona_type_list,
    proficiency_level_list,
    role_list,
    skill_category_tree,
    skill_item_list,
    skill_item_with_roles,
    standard_verify,
    standard_version_get,
    standard_version_list,
)

COMMON_PARAMETERS = [
    OpenApiParameter(
        "lang",
        OpenApiTypes.STR,
        enum=["ja", "en"],
        description="Language of the primary labels (`name`, `summary`, ...). Default: Accept-Language, "
        "else Japanese; unknown values fall back to Japanese.",
    ),
    OpenApiParameter("version", OpenApiTypes.STR, description="Standard version code (default: the current version)."),
]


class StandardApiView(APIView):
    """Resolves the version and language once per request and passes them to serializers."""

    permission_classes = [AllowAny]

    def standard_version(self) -> StandardVersion:
        if not hasattr(self, "_version"):
            try:
                self._version = standard_version_get(code=self.request.query_params.get("version") or None)
            except StandardNotLoaded as exc:
                raise NotFound(str(exc)) from exc
        return self._version

    def standard_context(self) -> dict[str, Any]:
        version = self.standard_version()
        return {"lang": request_lang(self.request), "version": version, "targets": grade_targets(version=version)}

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        if hasattr(self, "_version"):
            response["X-Standard-Version"] = self._version.code
        return response


@extend_schema_view(get=extend_schema(parameters=COMMON_PARAMETERS, tags=["standard"]))
class StandardIndexApi(StandardApiView):
    """The current standard version, its counts and links to every part."""

    @extend_schema(responses=s.StandardIndexOutput)
    def get(self, request: Request) -> Response:
        version = self.standard_version()
        report = standard_verify(version_id=version.pk)
        names = [
            "versions",
            "scales",
            "persona-types",
            "roles",
            "skills",
            "skill-items",
            "literacy",
            "literacy-items",
        ]
        data = {
            "version": s.StandardVersionOutput(version, context={"lang": request_lang(request)}).data,
            "lang": request_lang(request),
            "counts": report["counts"],
            "estimated_requirements": report["estimated_requirements"],
            "links": {n: reverse(f"standard-api:{n}", request=request) for n in names},
        }
        return Response(data)


@extend_schema_view(get=extend_schema(parameters=COMMON_PARAMETERS[:1], tags=["standard"]))
class StandardVersionListApi(StandardApiView, generics.ListAPIView):
    serializer_class = s.StandardVersionOutput

    def get_queryset(self) -> QuerySet[StandardVersion]:
        return standard_version_list()

    def get_serializer_context(self) -> dict[str, Any]:
        return {"request": self.request, "lang": request_lang(self.request)}


@extend_schema_view(get=extend_schema(parameters=COMMON_PARAMETERS, tags=["standard"]))
class ScalesApi(StandardApiView):
    """The proficiency scale 0-4 and each importance grade's target proficiency."""

    @extend_schema(responses=s.ScalesOutput)
    def get(self, request: Request) -> Response:
        version = self.standard_version()
        context = {"lang": request_lang(request)}
        return Response(
            {
                "proficiency_levels": s.ProficiencyLevelOutput(
                    proficiency_level_list(version=version), many=True, context=context
                ).data,
                "importance_grades": s.ImportanceGradeOutput(
                    importance_grade_list(version=version), many=True, context=context
                ).data,
            }
        )


class _StandardList(StandardApiView, generics.ListAPIView):
    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), **self.standard_context()}


class _StandardDetail(StandardApiView, generics.RetrieveAPIView):
    lookup_field = "code"

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), **self.standard_context()}


_list = extend_schema_view(get=extend_schema(parameters=COMMON_PARAMETERS, tags=["standard"]))


@_list
class PersonaTypeListApi(_StandardList):
    """The five persona types with their roles."""

    serializer_class = s.PersonaTypeOutput

    def get_queryset(self) -> QuerySet[Any]:
        return persona_type_list(version=self.standard_version())


@_list
class PersonaTypeDetailApi(_StandardDetail):
    serializer_class = s.PersonaTypeOutput

    def get_queryset(self) -> QuerySet[Any]:
        return persona_type_list(version=self.standard_version())


@_list
class RoleListApi(_StandardList):
    """The fifteen roles, each with its grade and target proficiency for every skill item."""

    serializer_class = s.RoleOutput

    def get_queryset(self) -> QuerySet[Any]:
        return role_list(version=self.standard_version())


@_list
class RoleDetailApi(_StandardDetail):
    serializer_class = s.RoleOutput

    def get_queryset(self) -> QuerySet[Any]:
        return role_list(version=self.standard_version())


@_list
class SkillTreeApi(_StandardList):
    """Skill categories, their subcategories and items."""

    serializer_class = s.SkillCategoryOutput

    def get_queryset(self) -> QuerySet[Any]:
        return skill_category_tree(version=self.standard_version())


@_list
class SkillItemListApi(_StandardList):
    serializer_class = s.SkillItemOutput

    def get_queryset(self) -> QuerySet[Any]:
        return skill_item_list(version=self.standard_version())


@_list
class SkillItemDetailApi(_StandardDetail):
    """One skill item with the grade every role gives it."""

    serializer_class = s.SkillItemDetailOutput

    def get_queryset(self) -> QuerySet[Any]:
        return skill_item_with_roles(version=self.standard_version())


@_list
class LiteracyTreeApi(_StandardList):
    """The DX Literacy Standard: sections and their items."""

    serializer_class = s.LiteracySectionOutput

    def get_queryset(self) -> QuerySet[Any]:
        return literacy_section_tree(version=self.standard_version())


@_list
class LiteracyItemListApi(_StandardList):
    serializer_class = s.LiteracyItemOutput

    def get_queryset(self) -> QuerySet[Any]:
        return literacy_item_list(version=self.standard_version())


@_list
class LiteracyItemDetailApi(_StandardDetail):
    serializer_class = s.LiteracyItemOutput

    def get_queryset(self) -> QuerySet[Any]:
        return literacy_item_list(version=self.standard_version())
