"""The xAPI 1.0.3 Statements resource (the subset LMSs use to send statements) and /about.

Every request but /about must carry `X-Experience-API-Version: 1.0.x`; every answer carries
`X-Experience-API-Version: 1.0.3`.  Authentication: HTTP Basic with one of the project's API keys
(user name `dxp_<prefix>`, password `<secret>`; or the whole key as the user name and an empty
password), or the usual bearer key.  See docs/interop.md for what is and is not implemented.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import authentication, exceptions, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.authentication import ApiTokenAuthentication
from accounts.models import ApiToken
from common.input_checks import json_loads
from interop.selectors import xapi_statement_get, xapi_statements_visible_to
from interop.services import XapiRefused, xapi_statements_store
from interop.xapi_validate import VERSION_RE, statement_problems, xapi_format, xapi_ifi, xapi_statement_matches
from learners.services import MAX_BATCH, SubmitterScope

XAPI_VERSION = "1.0.3"
VERSION_HEADER = "X-Experience-API-Version"
GET_PARAMETERS = {
    "statementId",
    "voidedStatementId",
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "format",
    "attachments",
    "ascending",
}
MAX_LIMIT = 500


class XapiBasicAuthentication(ApiTokenAuthentication):
    """HTTP Basic with a project API key: `dxp_<prefix>` : `<secret>`, or the whole key : ""."""

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if len(header) != 2 or header[0].lower() != "basic":
            return None
        try:
            user, _sep, password = base64.b64decode(header[1], validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise exceptions.AuthenticationFailed("Malformed Basic credentials.") from None
        key = user if not password else f"{user}_{password}"
        return self.authenticate_key(request, key)

    def authenticate_header(self, request: Request) -> str:
        return 'Basic realm="xAPI"'


class XapiBasicScheme(OpenApiAuthenticationExtension):
    target_class = "interop.api.xapi.XapiBasicAuthentication"
    name = "XapiBasic"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "basic", "description": "user dxp_<prefix>, password <secret>"}


def _problem(status_code: int, message: str) -> Response:
    return Response({"error": message}, status=status_code)


class _XapiView(APIView):
    authentication_classes = [XapiBasicAuthentication, ApiTokenAuthentication, authentication.SessionAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "ingest"
    version_required = True

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if self.version_required:
            version = request.headers.get(VERSION_HEADER)
            if not version or not VERSION_RE.match(version.strip()):
                raise exceptions.ValidationError(
                    {VERSION_HEADER: [f"required, 1.0.x (this LRS speaks {XAPI_VERSION}); got {version!r}"]}
                )

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response[VERSION_HEADER] = XAPI_VERSION
        if request.method in ("GET", "HEAD") and self.version_required:
            # every statement stored so far is visible to GET (one database, no replication lag)
            response["X-Experience-API-Consistent-Through"] = timezone.now().isoformat().replace("+00:00", "Z")
        return response


VERSION_PARAMETER = OpenApiParameter(
    VERSION_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=True, description="1.0.x, e.g. 1.0.3"
)
ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="invalid request or statement (nothing stored)"),
    401: OpenApiResponse(OpenApiTypes.OBJECT, description="no or bad credentials"),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="this account may not report or read this"),
    409: OpenApiResponse(OpenApiTypes.OBJECT, description="the statement id is stored with other content"),
    413: OpenApiResponse(OpenApiTypes.OBJECT, description="too many statements"),
}


def _submitter(request: Request) -> User:
    user = request.user
    if not isinstance(user, User) or not SubmitterScope(user).may_submit:
        raise exceptions.PermissionDenied("Only staff, provider accounts and organization admins send statements.")
    return user


def _validated(statements: list[Any]) -> list[str]:
    problems = []
    for index, statement in enumerate(statements):
        where = f"statements[{index}]" if len(statements) > 1 else "statement"
        problems += [f"{where}.{p}" for p in statement_problems(statement)]
    return problems


class XapiStatementsApi(_XapiView):
    """xAPI Statements resource: POST one or many, PUT one with statementId, GET by id or a simple list."""

    @extend_schema(
        operation_id="xapi_statements_post",
        parameters=[VERSION_PARAMETER],
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiResponse({"type": "array", "items": {"type": "string", "format": "uuid"}}), **ERRORS},
        tags=["xapi"],
        description="One statement or an array; all stored or none (400 names every problem); answers their ids.",
    )
    def post(self, request: Request) -> Response:
        user = _submitter(request)
        data = request.data
        statements = data if isinstance(data, list) else [data]
        if isinstance(data, list) and not data:
            return _problem(400, "statements: send at least one statement")
        if len(statements) > MAX_BATCH:
            return _problem(413, f"At most {MAX_BATCH} statements per request; this one has {len(statements)}.")
        problems = _validated(statements)
        if problems:
            return Response({"error": "invalid statement(s); nothing stored", "problems": problems}, status=400)
        try:
            ids = xapi_statements_store(submitter=user, statements=statements)
        except XapiRefused as exc:
            return _problem(exc.status, exc.message)
        return Response(ids)

    @extend_schema(
        operation_id="xapi_statements_put",
        parameters=[
            VERSION_PARAMETER,
            OpenApiParameter("statementId", OpenApiTypes.UUID, required=True),
        ],
        request=OpenApiTypes.OBJECT,
        responses={204: None, **ERRORS},
        tags=["xapi"],
        description="Store one statement under statementId (204); the same statement again is 204, another 409.",
    )
    def put(self, request: Request) -> Response:
        user = _submitter(request)
        statement_id = request.query_params.get("statementId", "")
        try:
            statement_id = str(uuid.UUID(statement_id))
        except ValueError:
            return _problem(400, "statementId: a UUID query parameter is required")
        statement = request.data
        if not isinstance(statement, dict):
            return _problem(400, "statement: send one statement object")
        if "id" in statement and str(statement["id"]).lower() != statement_id:
            return _problem(400, "id: differs from the statementId parameter")
        statement = {**statement, "id": statement.get("id", statement_id)}
        problems = _validated([statement])
        if problems:
            return Response({"error": "invalid statement; nothing stored", "problems": problems}, status=400)
        try:
            xapi_statements_store(submitter=user, statements=[statement])
        except XapiRefused as exc:
            return _problem(exc.status, exc.message)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="xapi_statements_get",
        parameters=[
            VERSION_PARAMETER,
            OpenApiParameter("statementId", OpenApiTypes.UUID),
            OpenApiParameter("voidedStatementId", OpenApiTypes.UUID),
            OpenApiParameter("verb", OpenApiTypes.URI),
            OpenApiParameter("activity", OpenApiTypes.URI),
            OpenApiParameter("registration", OpenApiTypes.UUID),
            OpenApiParameter("since", OpenApiTypes.DATETIME),
            OpenApiParameter("until", OpenApiTypes.DATETIME),
            OpenApiParameter("limit", OpenApiTypes.INT),
            OpenApiParameter("ascending", OpenApiTypes.BOOL),
            OpenApiParameter("format", OpenApiTypes.STR, enum=["exact", "ids", "canonical"]),
        ],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="a statement, or {statements, more}"),
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="no such statement (among yours)"),
            **ERRORS,
        },
        tags=["xapi"],
    )
    def get(self, request: Request) -> Response:
        user = _submitter(request)
        params = request.query_params
        unknown = sorted(set(params) - GET_PARAMETERS)
        if unknown:
            return _problem(400, f"{unknown[0]}: not a parameter of the Statements resource")
        single = [k for k in ("statementId", "voidedStatementId") if k in params]
        if single:
            others = set(params) - {"statementId", "voidedStatementId", "format", "attachments"}
            if len(single) > 1 or others:
                return _problem(400, f"{single[0]}: cannot be combined with {sorted(others or set(single))[0]}")
            found = xapi_statement_get(
                user=user, statement_id=params[single[0]], voided=single[0] == "voidedStatementId"
            )
            if found is None:
                return _problem(404, f"{single[0]}: no such statement")
            fmt = params.get("format", "exact")
            if fmt not in ("exact", "ids", "canonical"):
                return _problem(400, "format: one of exact, ids, canonical")
            response = Response(xapi_format(found, fmt=fmt, lang=request.headers.get("Accept-Language", "")))
        else:
            try:
                result = self._list(user, params, request.headers.get("Accept-Language", ""))
            except ValueError as exc:
                return _problem(400, str(exc))
            response = Response({"statements": result, "more": ""})
        return response

    @staticmethod
    def _list(user: User, params: Any, lang: str) -> list[dict[str, Any]]:
        """Not voided statements matching the filters (and those that reference a match), newest first."""
        times: dict[str, datetime] = {}
        for name in ("since", "until"):
            if name in params:
                when = parse_datetime(params[name])
                if when is None or when.tzinfo is None:
                    raise ValueError(f"{name}: an ISO 8601 timestamp with a time zone is required")
                times[name] = when
        try:
            limit = int(params.get("limit", 0)) or MAX_LIMIT
        except ValueError:
            raise ValueError("limit: a non-negative integer is required") from None
        if limit < 0:
            raise ValueError("limit: a non-negative integer is required")
        agent = None
        if "agent" in params:
            try:
                agent = json_loads(params["agent"])
            except ValueError:
                raise ValueError("agent: a JSON Agent or Group is required") from None
            if not isinstance(agent, dict) or not xapi_ifi(agent):
                raise ValueError("agent: an Agent or Group with an inverse functional identifier is required")
        fmt = params.get("format", "exact")
        if fmt not in ("exact", "ids", "canonical"):
            raise ValueError("format: one of exact, ids, canonical")
        rows = list(xapi_statements_visible_to(user=user))
        matched = {
            str(r.statement_id)
            for r in rows
            if xapi_statement_matches(
                r.statement,
                verb=params.get("verb"),
                activity=params.get("activity"),
                registration=params.get("registration"),
                agent=agent,
                related_activities=params.get("related_activities", "false").lower() == "true",
                related_agents=params.get("related_agents", "false").lower() == "true",
            )
        }
        # Statements that reference a match (a StatementRef object) are matches too (xAPI 2.1.3).
        growing = True
        while growing:
            growing = False
            for r in rows:
                target = r.statement.get("object", {})
                if (
                    str(r.statement_id) not in matched
                    and target.get("objectType") == "StatementRef"
                    and str(target.get("id", "")).lower() in matched
                ):
                    matched.add(str(r.statement_id))
                    growing = True
        chosen = [
            r
            for r in rows
            if str(r.statement_id) in matched
            and not r.voided
            and ("since" not in times or r.stored_at > times["since"])
            and ("until" not in times or r.stored_at <= times["until"])
        ]
        ascending = params.get("ascending", "false").lower() == "true"
        chosen.sort(key=lambda r: (r.stored_at, r.pk), reverse=not ascending)
        return [xapi_format(r.statement, fmt=fmt, lang=lang) for r in chosen[: min(limit, MAX_LIMIT)]]


class XapiAboutApi(_XapiView):
    """xAPI /about: the versions this LRS speaks."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    version_required = False

    @extend_schema(operation_id="xapi_about", responses={200: OpenApiTypes.OBJECT}, tags=["xapi"], auth=[])
    def get(self, request: Request) -> Response:
        return Response({"version": [XAPI_VERSION], "extensions": {}})
