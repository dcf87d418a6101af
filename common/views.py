from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema, inline_serializer
from kombu import Connection
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.i18n import request_lang
from skills.selectors import StandardNotLoaded, persona_type_list, standard_verify, standard_version_get

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    """What the product is, and what the loaded standard holds."""
    lang = request_lang(request)
    try:
        version = standard_version_get()
    except StandardNotLoaded:
        return render(request, "common/home.html", {"version": None, "lang": lang})
    report = standard_verify(version_id=version.pk)
    return render(
        request,
        "common/home.html",
        {
            "version": version,
            "lang": lang,
            "counts": report["counts"],
            "estimated": report["estimated_requirements"],
            "personas": persona_type_list(version=version),
        },
    )


def _check_database() -> str:
    connection.ensure_connection()
    return "ok"


def _check_cache() -> str:
    cache.set("healthz", "1", 5)
    return "ok"


def _check_broker() -> str:
    url = settings.CELERY_BROKER_URL
    if url.startswith("memory://"):
        return "in-process"
    with Connection(url, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, timeout=3)
    return "ok"


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness: the database, the cache and the broker each answer."""
    checks: dict[str, str] = {}
    status = 200
    for name, check in (
        ("database", _check_database),
        ("cache", _check_cache),
        ("broker", _check_broker),
    ):
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
