from __future__ import annotations

import logging
import sys
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema, inline_serializer
from kombu import Connection
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.middleware import DATABASE_ERRORS, database_unavailable

logger = logging.getLogger(__name__)


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_cache() -> str:
    token = uuid.uuid4().hex
    cache.set("healthz", token, 5)
    if cache.get("healthz") != token:  # the fail-safe Redis cache swallows errors: read back to know
        raise ConnectionError("the cache did not keep a value")
    return "ok"


def _check_broker() -> str:
    url = settings.CELERY_BROKER_URL
    if url.startswith("memory://"):
        return "in-process"
    with Connection(url, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, timeout=3)
    return "ok"


CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The database (a query), the cache (write and read back) and the broker (a connection) each answer.

    503 when one does not.  `?only=database` checks just those named (comma-separated): a load
    balancer should take a web node out only when its database is gone, since the site keeps
    serving without the cache and the broker (tasks wait in the outbox)."""
    only = [n for n in request.GET.get("only", "").split(",") if n in CHECKS]
    checks: dict[str, str] = {}
    status = 200
    for name, check in CHECKS.items():
        if only and name not in only:
            continue
        try:
            checks[name] = str(check())
        except Exception as exc:  # a failing dependency must yield 503, whatever it raised
            logger.warning("healthz: %s unavailable: %s", name, exc)
            checks[name] = "unavailable"
            status = 503
    return JsonResponse({"status": "ok" if status == 200 else "degraded", "checks": checks}, status=status)


class PingApi(APIView):
    """The API answers: no database, no authentication (a baseline for benchmarks and probes)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(responses={200: inline_serializer("Ping", {"status": serializers.CharField()})}, tags=["meta"])
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database that went away is a 503 (nothing was written), anything else a 500."""
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable(request)
    return defaults.server_error(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400 (e.g. too many form fields, a broken multipart body): JSON under /api/."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "The request could not be read."}, status=400)
    return defaults.bad_request(request, exception)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: JSON under /api/ (as every other API error), the HTML page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
