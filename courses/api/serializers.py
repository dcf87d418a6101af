"""Input checks for catalog search and reviews; output shapes for courses and imports."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.i18n import pick
from common.input_checks import BIGINT_MAX, PRICE_MAX_JPY
from common.reference import PREFECTURES
from common.serializers import LangText
from courses.catalog_format import FORMATS, LANGUAGES
from courses.models import CaseProgram, Course, CourseSkill, ImportRun, Provider
from courses.selectors import ORDERINGS, CourseQuery


class CommaListField(serializers.CharField):
    """`a,b` (or the parameter repeated) -> a list, each value checked by `child`."""

    def __init__(self, *, child: serializers.Field, **kwargs: Any) -> None:
        self.child = child
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> list[Any]:  # type: ignore[override]
        text = super().to_internal_value(data)
        values = [v.strip() for v in text.split(",") if v.strip()]
        out, errors = [], []
        for value in values:
            try:
                out.append(self.child.run_validation(value))
            except serializers.ValidationError as exc:
                errors.append(f"{value!r}: {' '.join(str(d) for d in exc.detail)}")
        if errors:
            raise serializers.ValidationError(errors)
        return out


def _optional_bool(help_text: str) -> serializers.BooleanField:
    return serializers.BooleanField(required=False, allow_null=True, default=None, help_text=help_text)


class CourseSearchInput(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="words in titles or descriptions (ja/en); Japanese is split into words, typos and kana are forgiven",
    )
    skill = CommaListField(
        child=serializers.CharField(max_length=20),
        required=False,
        help_text="skill item codes, e.g. DU04,DU05 (any of them)",
    )
    persona_type = serializers.CharField(
        required=False, max_length=20, help_text="persona type code: items its roles grade a or b"
    )
    role = serializers.CharField(required=False, max_length=30, help_text="role code: items the role grades a or b")
    literacy_section = serializers.CharField(required=False, max_length=20, help_text="WHY, WHAT, HOW or MIND")
    level = CommaListField(
        child=serializers.IntegerField(min_value=1, max_value=4), required=False, help_text="course levels, e.g. 2,3"
    )
    max_price = serializers.IntegerField(required=False, min_value=0, max_value=PRICE_MAX_JPY, help_text="yen")
    free = _optional_bool("true: free courses only; false: paid only")
    format = CommaListField(child=serializers.ChoiceField(choices=FORMATS), required=False)
    language = serializers.ChoiceField(choices=LANGUAGES, required=False)
    reskill_certified = _optional_bool("METI Reskilling course certified")
    training_benefit_eligible = _optional_bool("eligible for education and training benefits")
    max_hours = serializers.DecimalField(required=False, max_digits=6, decimal_places=1, min_value=0)
    prefecture = serializers.ChoiceField(choices=sorted(PREFECTURES), required=False)
    provider = serializers.IntegerField(required=False, min_value=1, max_value=BIGINT_MAX)
    untagged = _optional_bool("true: only courses without skill tags")
    kind = serializers.ChoiceField(
        choices=["course", "case_program"], required=False, help_text="case_program: project-based programs"
    )
    ordering = serializers.ChoiceField(choices=sorted(ORDERINGS), required=False)
    page = serializers.IntegerField(required=False, min_value=1, max_value=1_000_000, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100, default=20)

    def __init__(self, *args: Any, codes: dict[str, set[str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.codes = codes or {}

    def _known(self, kind: str, value: str) -> str:
        if value and kind in self.codes and value not in self.codes[kind]:
            raise serializers.ValidationError(f"{value!r} is not a known {kind.replace('_', ' ')} code")
        return value

    def validate_skill(self, value: list[str]) -> list[str]:
        for code in value:
            self._known("skill_item", code)
        return value

    def validate_persona_type(self, value: str) -> str:
        return self._known("persona_type", value)

    def validate_role(self, value: str) -> str:
        return self._known("role", value)

    def validate_literacy_section(self, value: str) -> str:
        return self._known("literacy_section", value)

    def to_query(self) -> CourseQuery:
        d = self.validated_data
        return CourseQuery(
            q=d.get("q", ""),
            skills=d.get("skill", []),
            persona_type=d.get("persona_type", ""),
            role=d.get("role", ""),
            literacy_section=d.get("literacy_section", ""),
            levels=d.get("level", []),
            max_price=d.get("max_price"),
            free=d.get("free"),
            formats=d.get("format", []),
            language=d.get("language", ""),
            reskill_certified=d.get("reskill_certified"),
            training_benefit_eligible=d.get("training_benefit_eligible"),
            max_hours=d.get("max_hours"),
            prefecture=d.get("prefecture", ""),
            provider=d.get("provider"),
            untagged=d.get("untagged"),
            ordering=d.get("ordering", ""),
            kind=d.get("kind", ""),
        )


class ProviderOutput(serializers.ModelSerializer[Provider]):
    name = LangText("name")

    class Meta:
        model = Provider
        fields = ["id", "name", "name_ja", "name_en", "kind", "website"]


class CourseSkillOutput(serializers.ModelSerializer[CourseSkill]):
    code = serializers.CharField(source="skill_item.code", read_only=True)
    name = serializers.SerializerMethodField()
    category = serializers.CharField(source="skill_item.subcategory.category.code", read_only=True)

    class Meta:
        model = CourseSkill
        fields = ["code", "name", "category", "level", "source", "confidence", "review_status", "evidence"]

    def get_name(self, obj: CourseSkill) -> str:
        return str(pick(obj.skill_item, "name", self.context.get("lang", "ja")))


class CourseBriefOutput(serializers.ModelSerializer[Course]):
    title = LangText("title")
    provider = ProviderOutput(read_only=True)

    class Meta:
        model = Course
        fields = ["id", "code", "title", "title_ja", "title_en", "provider", "level"]


class CaseProgramOutput(serializers.ModelSerializer[CaseProgram]):
    hours_per_week = serializers.FloatField(read_only=True)

    class Meta:
        model = CaseProgram
        fields = [
            "cohort_starts_on",
            "cohort_ends_on",
            "application_deadline",
            "team_size_min",
            "team_size_max",
            "mentors",
            "case_industry",
            "case_company_size",
            "case_region",
            "hours_per_week",
            "online",
        ]


def _case(course: Course) -> CaseProgram | None:
    try:
        return course.case_program
    except CaseProgram.DoesNotExist:
        return None


class CourseOutput(serializers.ModelSerializer[Course]):
    title = LangText("title")
    provider = ProviderOutput(read_only=True)
    skills = CourseSkillOutput(source="active_skill_tags", many=True, read_only=True)
    literacy = serializers.SerializerMethodField()
    hours = serializers.FloatField(read_only=True)
    is_free = serializers.BooleanField(read_only=True)
    untagged = serializers.SerializerMethodField()
    kind = serializers.SerializerMethodField()
    case_program = serializers.SerializerMethodField()

    class Meta:
        model = Course
        fields = [
            "id",
            "code",
            "title",
            "title_ja",
            "title_en",
            "provider",
            "url",
            "level",
            "hours",
            "price_jpy",
            "is_free",
            "format",
            "language",
            "prefecture",
            "reskill_certified",
            "training_benefit_eligible",
            "skills",
            "literacy",
            "untagged",
            "kind",
            "case_program",
        ]

    def get_literacy(self, obj: Course) -> list[str]:
        return [t.code for t in obj.literacy_tags.all()]

    def get_untagged(self, obj: Course) -> bool:
        return not getattr(obj, "active_skill_tags", [])

    def get_kind(self, obj: Course) -> str:
        return "case_program" if _case(obj) is not None else "course"

    @extend_schema_field(CaseProgramOutput(allow_null=True))
    def get_case_program(self, obj: Course) -> dict[str, Any] | None:
        case = _case(obj)
        return CaseProgramOutput(case).data if case is not None else None


class CourseDetailOutput(CourseOutput):
    description = LangText("description")
    prerequisites = CourseBriefOutput(many=True, read_only=True)
    required_for = CourseBriefOutput(many=True, read_only=True)

    class Meta(CourseOutput.Meta):
        fields = [
            *CourseOutput.Meta.fields,
            "description",
            "description_ja",
            "description_en",
            "learning_outcomes",
            "on_demand",
            "starts_on",
            "ends_on",
            "status",
            "needs_skill_inference",
            "prerequisites",
            "required_for",
            "created_at",
            "updated_at",
        ]


class FacetsOutput(serializers.Serializer):
    total = serializers.IntegerField()
    level = serializers.DictField(child=serializers.IntegerField())
    format = serializers.DictField(child=serializers.IntegerField())
    language = serializers.DictField(child=serializers.IntegerField())
    price = serializers.DictField(child=serializers.IntegerField())
    subsidy = serializers.DictField(child=serializers.IntegerField())
    category = serializers.DictField(child=serializers.IntegerField())


class CourseSearchResultOutput(CourseOutput):
    snippet = serializers.CharField(
        allow_null=True, help_text="with q: a piece of the description around the matched words"
    )
    highlights = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="[start, end) offsets of the matched words in snippet",
    )

    class Meta(CourseOutput.Meta):
        fields = [*CourseOutput.Meta.fields, "snippet", "highlights"]


class CourseSearchOutput(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    num_pages = serializers.IntegerField()
    catalog_version = serializers.IntegerField()
    results = CourseSearchResultOutput(many=True)
    facets = FacetsOutput()
    suggestions = serializers.ListField(
        child=serializers.CharField(),
        help_text='with q and no result: other queries that find courses ("did you mean")',
    )


class ImportRunOutput(serializers.ModelSerializer[ImportRun]):
    actor = serializers.CharField(source="actor.get_username", default=None, read_only=True, allow_null=True)

    class Meta:
        model = ImportRun
        fields = [
            "id",
            "actor",
            "filename",
            "file_format",
            "partial",
            "outcome",
            "rows",
            "created",
            "updated",
            "unchanged",
            "rejected",
            "problems",
            "catalog_version",
            "created_at",
        ]


class ImportInput(serializers.Serializer):
    file = serializers.FileField(help_text="catalog file, .json or .csv (UTF-8 or CP932), at most 20 MB")


class ReviewTagOutput(serializers.ModelSerializer[CourseSkill]):
    course = CourseBriefOutput(read_only=True)
    skill = serializers.CharField(source="skill_item.code", read_only=True)
    skill_name = serializers.SerializerMethodField()
    reviewer = serializers.CharField(source="reviewer.get_username", default=None, read_only=True, allow_null=True)

    class Meta:
        model = CourseSkill
        fields = [
            "id",
            "course",
            "skill",
            "skill_name",
            "level",
            "confidence",
            "evidence",
            "source",
            "review_status",
            "reviewer",
            "reviewed_at",
        ]

    def get_skill_name(self, obj: CourseSkill) -> str:
        return str(pick(obj.skill_item, "name", self.context.get("lang", "ja")))


class ReviewInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=["accept", "reject", "set_level"])
    level = serializers.IntegerField(required=False, min_value=1, max_value=4)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["action"] == "set_level" and "level" not in attrs:
            raise serializers.ValidationError({"level": "required when action is set_level"})
        return attrs
