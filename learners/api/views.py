"""Progress ingest for course providers and company LMSs (xAPI statements: interop/api/xapi.py)."""

from __future__ import annotations

from django.contrib.auth.models import User
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.network import ScopedRateThrottle
from learners.api.serializers import ProgressBatchInput, ProgressBatchOutput
from learners.events import event_parse
from learners.services import MAX_BATCH, EventIn, EventOutcome, SubmitterScope, progress_events_ingest


class ProgressEventIngestApi(APIView):
    """Up to 1,000 events per request; each answered created, duplicate or rejected (with a reason)."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "ingest"

    @extend_schema(
        operation_id="progress_events_ingest",
        request=ProgressBatchInput,
        responses=ProgressBatchOutput,
        tags=["progress"],
    )
    def post(self, request: Request) -> Response:
        user = request.user
        if not isinstance(user, User) or not SubmitterScope(user).may_submit:
            raise PermissionDenied("Only staff, provider accounts and organization admins report progress.")
        raw = request.data.get("events") if isinstance(request.data, dict) else request.data
        if not isinstance(raw, list):
            return Response({"events": ['Send a list of events (or {"events": [...]}).']}, status=400)
        if len(raw) > MAX_BATCH:
            return Response(
                {"detail": f"A batch holds at most {MAX_BATCH} events; this one has {len(raw)}."},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        valid: list[EventIn] = []
        rejected: dict[int, EventOutcome] = {}
        for index, item in enumerate(raw):
            parsed = event_parse(index, item)
            if isinstance(parsed, EventOutcome):
                rejected[index] = parsed
            else:
                valid.append(parsed)
        outcomes = {o.index: o for o in progress_events_ingest(submitter=user, events=valid)}
        outcomes.update(rejected)
        results = [outcomes[i].as_dict() for i in range(len(raw))]
        counts = {k: sum(r["status"] == k for r in results) for k in ("created", "duplicate", "rejected")}
        return Response({**counts, "results": results})
