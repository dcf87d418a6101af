"""1EdTech CASE 1.1 read endpoints (/ims/case/v1p1/...): public and read-only, like the standard API."""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
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


# CASE answers an unknown sourcedId with its own error shape (imsx_StatusInfo), not the API's {"detail"}.
CASE_NOT_FOUND = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="No object with this sourcedId: imsx_StatusInfo (imsx_codeMajor failure, code minor unknownobject)",
)


@extend_schema(responses={200: OpenApiTypes.OBJECT, 404: CASE_NOT_FOUND}, tags=["CASE 1.1"])
class CaseApiView(APIView):
    """Answers one kind of CASE object by its sourcedId (`kind`), shaped by `answer`."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []  # public: no credentials needed, none looked at
    kind = ""

    def answer(self, obj: dict[str, Any], package: dict[str, Any]) -> dict[str, Any]:
        return case_format.single_object(self.kind, obj, package)

    def get(self, request: Request, sourced_id: str) -> Response:
        identifier = _uuid(sourced_id)
        found = case_object_find(identifier=identifier) if identifier else None
        if found is None or found[0] != self.kind:
            return _not_found(sourced_id)
        return Response(self.answer(found[1], found[2]))


class CaseDocumentApiView(CaseApiView):
    """Answers about the document whose sourcedId is given (a standard version)."""

    def part(self, package: dict[str, Any]) -> dict[str, Any]:
        return package

    def get(self, request: Request, sourced_id: str) -> Response:
        identifier = _uuid(sourced_id)
        version = case_version_for_document(identifier=identifier) if identifier else None
        return Response(self.part(case_package(version=version))) if version else _not_found(sourced_id)


@extend_schema_view(get=extend_schema(operation_id="case_documents", responses=OpenApiTypes.OBJECT, tags=["CASE 1.1"]))
class CFDocumentListApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    def get(self, request: Request) -> Response:
        return Response(
            {"CFDocuments": [case_package(version=v)["CFDocument"] for v in standard_version_list().order_by("code")]}
        )


@extend_schema_view(get=extend_schema(operation_id="case_document"))
class CFDocumentApi(CaseDocumentApiView):
    def part(self, package: dict[str, Any]) -> dict[str, Any]:
        return case_format.single_object("CFDocument", package["CFDocument"], package)


@extend_schema_view(get=extend_schema(operation_id="case_package"))
class CFPackageApi(CaseDocumentApiView):
    pass


@extend_schema_view(get=extend_schema(operation_id="case_definitions"))
class CFDefinitionsApi(CaseDocumentApiView):
    """The definitions a document uses (CFItemTypes; this standard has no concepts, subjects or licenses)."""

    def part(self, package: dict[str, Any]) -> dict[str, Any]:
        return dict(package["CFDefinitions"])


@extend_schema_view(get=extend_schema(operation_id="case_item"))
class CFItemApi(CaseApiView):
    kind = "CFItem"


@extend_schema_view(get=extend_schema(operation_id="case_item_associations"))
class CFItemAssociationsApi(CaseApiView):
    kind = "CFItem"

    def answer(self, obj: dict[str, Any], package: dict[str, Any]) -> dict[str, Any]:
        # CFAssociationSet: the item as CFItem (with CFDocumentURI), the associations as in a package
        return {
            "CFItem": case_format.single_object("CFItem", obj, package),
            "CFAssociations": case_format.item_associations(package, obj["identifier"]),
        }


@extend_schema_view(get=extend_schema(operation_id="case_association"))
class CFAssociationApi(CaseApiView):
    kind = "CFAssociation"


@extend_schema_view(get=extend_schema(operation_id="case_rubric"))
class CFRubricApi(CaseApiView):
    kind = "CFRubric"


@extend_schema_view(get=extend_schema(operation_id="case_rubric_criterion"))
class CFRubricCriterionApi(CaseApiView):
    """One criterion of a rubric (a role × skill item) with its level."""

    kind = "CFRubricCriterion"


@extend_schema_view(get=extend_schema(operation_id="case_rubric_criterion_level"))
class CFRubricCriterionLevelApi(CaseApiView):
    """One level of a rubric criterion (the role's grade for the item)."""

    kind = "CFRubricCriterionLevel"


@extend_schema_view(get=extend_schema(operation_id="case_item_type"))
class CFItemTypeApi(CaseApiView):
    kind = "CFItemType"

    def answer(self, obj: dict[str, Any], package: dict[str, Any]) -> dict[str, Any]:
        return {"CFItemTypes": [obj]}
