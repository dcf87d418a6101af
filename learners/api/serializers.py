from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from learners.models import EventKind


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}]})
class CourseRefField(serializers.Field):
    """A course id (number) or, for provider accounts, the provider's course code (text)."""

    def to_internal_value(self, data: Any) -> int | str:
        if isinstance(data, bool):
            raise serializers.ValidationError("must be a course id or a course code")
        if isinstance(data, int):
            return data
        if isinstance(data, str) and data.strip():
            text = data.strip()
            return int(text) if text.isdigit() else text
        raise serializers.ValidationError("must be a course id or a course code")

    def to_representation(self, value: Any) -> Any:
        return value


class ProgressEventInput(serializers.Serializer):
    idempotency_key = serializers.CharField(max_length=200)
    learner = serializers.UUIDField(help_text="the learner's public id")
    course = CourseRefField(help_text="course id, or your course code")
    kind = serializers.ChoiceField(choices=EventKind.values)
    percent = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)
    occurred_at = serializers.DateTimeField()
    source = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")  # type: ignore[assignment]


class ProgressBatchInput(serializers.Serializer):
    events = serializers.ListField(child=ProgressEventInput(), max_length=1000)


class EventOutcomeOutput(serializers.Serializer):
    index = serializers.IntegerField()
    idempotency_key = serializers.CharField()
    status = serializers.ChoiceField(choices=["created", "duplicate", "rejected"])
    reason = serializers.CharField(required=False)
    event_id = serializers.IntegerField(required=False)


class ProgressBatchOutput(serializers.Serializer):
    created = serializers.IntegerField()
    duplicate = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = EventOutcomeOutput(many=True)
