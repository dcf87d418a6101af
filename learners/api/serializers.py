from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.limits import BUDGET_JPY_MAX, BUDGET_JPY_MIN, WEEKLY_HOURS_MAX, WEEKLY_HOURS_MIN
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


class ProfileOutput(serializers.Serializer):
    public_id = serializers.UUIDField()
    prefecture = serializers.CharField()
    travel = serializers.BooleanField()
    abroad = serializers.BooleanField()
    industry = serializers.CharField()
    target_role = serializers.CharField(source="target_role.code", default=None, allow_null=True)
    weekly_hours = serializers.DecimalField(max_digits=4, decimal_places=1)
    budget_jpy = serializers.IntegerField()
    free_only = serializers.BooleanField()
    preferred_formats = serializers.ListField(child=serializers.CharField())
    preferred_language = serializers.CharField()
    share_target_role = serializers.BooleanField()
    share_levels = serializers.BooleanField()
    share_track_progress = serializers.BooleanField()


class ProfileInput(serializers.Serializer):
    prefecture = serializers.ChoiceField(choices=[], required=False, allow_blank=True)
    travel = serializers.BooleanField(required=False)
    abroad = serializers.BooleanField(required=False)
    industry = serializers.ChoiceField(choices=[], required=False, allow_blank=True)
    target_role = serializers.CharField(required=False, allow_null=True, max_length=30)
    weekly_hours = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=Decimal(str(WEEKLY_HOURS_MIN)),
        max_value=Decimal(WEEKLY_HOURS_MAX),
        required=False,
    )
    budget_jpy = serializers.IntegerField(min_value=BUDGET_JPY_MIN, max_value=BUDGET_JPY_MAX, required=False)
    free_only = serializers.BooleanField(required=False)
    preferred_formats = serializers.ListField(
        child=serializers.ChoiceField(choices=["e-learning", "live-online", "classroom", "blended"]), required=False
    )
    preferred_language = serializers.ChoiceField(choices=["ja", "en"], required=False)
    share_target_role = serializers.BooleanField(required=False)
    share_levels = serializers.BooleanField(required=False)
    share_track_progress = serializers.BooleanField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from common.reference import INDUSTRY_CHOICES, PREFECTURE_CHOICES

        super().__init__(*args, **kwargs)
        self.fields["prefecture"].choices = PREFECTURE_CHOICES  # type: ignore[attr-defined]
        self.fields["industry"].choices = INDUSTRY_CHOICES  # type: ignore[attr-defined]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("abroad"):
            if attrs.get("prefecture"):
                raise serializers.ValidationError({"prefecture": ["A learner who lives abroad has no prefecture."]})
            attrs["prefecture"] = ""  # moving abroad clears the prefecture
        return attrs


class AssessmentsInput(serializers.Serializer):
    levels = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=4), help_text="skill item code -> level 0-4"
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class CurrentLevelOutput(serializers.Serializer):
    skill = serializers.CharField()
    level = serializers.IntegerField()
    source = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.source
    assessed_at = serializers.DateTimeField()


class EnrollmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    course = serializers.IntegerField(source="course_id")
    course_title = serializers.CharField(source="course.title_ja")
    status = serializers.CharField()
    percent = serializers.IntegerField()
    enrolled_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
