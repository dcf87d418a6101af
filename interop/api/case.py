"""1EdTech CASE 1.1 read endpoints (/ims/case/v1p1/...): public and read-only, like the standard API."""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from interop import case_format
from interop.selectors import case_object_find, case_package, case_version_for_document
from skills.selectors import standard_version_list


def _not_found(sourced_id: str) -> Response:
    """CASE's error shape (imsx_StatusInfo) with the code minor `unknownobject`."""
    return Response(
        {
            "imsx_codeMajor": "failure",
            "imsx_severity": "error",
            "imsx_description": f"No object with sourcedId {sourced_id!r}.",
            "imsx_CodeMinor": {
                "imsx_codeMinorField": [
                    {"imsx_codeMinorFieldName": "sourcedId", "imsx_codeMinorFieldValue": "unknownobject"}
                ]
            },
        },
        status=404,
    )


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


class CaseApiView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []  # public: no credentials needed, none looked at
    kind = ""  # which kind of object the endpoint answers

    def find(self, sourced_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        identifier = _uuid(sourced_id)
        found = case_object_find(identifier=identifier) if identifier else None
        if found is None or found[0] != self.kind:
            return None
        return found[1], found[2]


class CFDocumentListApi(CaseApiView):
    @extend_schema(operation_id="case_documents", responses=OpenApiTypes.OBJECT, tags=["CASE 1.1"])
    def get(self, request: Request) -> Response:
        return Response(
            {"CFDocuments": [case_package(version=v)["CFDocument"] for v in standard_version_list().order_by("code")]}
        )


class CFDocumentApi(CaseApiView):
    kind = "CFDocument"

    @extend_schema(operation_id="case_document", responses=OpenApiTypes.OBJECT, tags=["CASE 1.1"])
    def get(self, request: Request, sourced_id: str) -> Response:
        found = self.find(sourced_id)
        return Response(found[0]) if found else _not_found(sourced_id)


class CFPackageApi(CaseApiView):
    @extend_schema(operation_id="case_package", responses=OpenApiTypes.OBJECT, tags=["CASE 1.1"])
    def get(self, request: Request, sourced_id: str) -> Response:
        identifier = _uuid(sourced_id)
        version = case_version_for_document(identifier=identifier) if identifier else None
        return Response(case_package(version=version)) if version else _not_found(sourced_id)


class CFItemApi(CaseApiView):
    kind = "CFItem"

    @extend_schema(operation_id="case_item", responses=OpenApiTypes.OBJECT, tags=["CASE 1.1"])
    def get(self, request: Request, sourced_id: str) -> Response:
        found = self.find(sourced_id)
        return Response(found[0]) if found else _not_found(sourced_id)


class CFItemAssociationsApi(CaseApiView):
    kind = "CFItem"

    @extend_schema(operation_id="case_item_associations", responses=OpenApiTypes.OBJECT, tags=["CASE 1.1"])
    def get(self, request: Request, sourced_id: str) -> Response:
        found = self.find(sourced_id)
        if not found:
            return _not_found(sourced_id)
        item, package = found
        return Response({"CFItem": item, "CFAssociations": case_format.item_associations(package, item["identifier"])})


class CFAssociationApi(CaseApiView):
    kind = "CFAssociation"

    @extend_schema(operation_id="case_association", responses=OpenApiTypes.OBJECT, tags=["CASE 1.1"])
    def get(self, request: Request, sourced_id: str) -> Response:
        found = self.find(sourced_id)
        return Response(found[0]) if found else _not_found(sourced_id)


class CFRubricApi(CaseApiView):
    kind = "CFRubric"

    @extend_schema(operation_id="case_rubric", responses=OpenApiTypes.OBJECT, tags=["CASE 1.1"])
    def get(self, request: Request, sourced_id: str) -> Response:
        found = self.find(sourced_id)
        return Response(found[0]) if found else _not_found(sourced_id)


class CFItemTypeApi(CaseApiView):
    kind = "CFItemType"

    @extend_schema(operation_id="case_item_type", responses=OpenApiTypes.OBJECT, tags=["CASE 1.1"])
    def get(self, request: Request, sourced_id: str) -> Response:
        found = self.find(sourced_id)
        return Response({"CFItemTypes": [found[0]]}) if found else _not_found(sourced_id)


class CFDefinitionsApi(CaseApiView):
    """The definitions a document uses (CFItemTypes; this standard has no concepts, subjects or licenses)."""

    @extend_schema(operation_id="case_definitions", responses=OpenApiTypes.OBJECT, tags=["CASE 1.1"])
    def get(self, request: Request, sourced_id: str) -> Response:
        identifier = _uuid(sourced_id)
        version = case_version_for_document(identifier=identifier) if identifier else None
        return Response(case_package(version=version)["CFDefinitions"]) if version else _not_found(sourced_id)
