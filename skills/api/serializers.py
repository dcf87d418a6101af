"""Output serializers for the standard.  Each label comes as `name` (the
language the request asked for) beside `name_ja` and `name_en`."""

from __future__ import annotations

from rest_framework import serializers

from common.i18n import pick
from common.serializers import LangList, LangText
from skills.models import (
    ImportanceGrade,
    LiteracyItem,
    LiteracySection,
    PersonaType,
    ProficiencyLevel,
    Role,
    RoleSkillRequirement,
    SkillCategory,
    SkillItem,
    SkillSubcategory,
    StandardVersion,
)


class StandardVersionOutput(serializers.ModelSerializer[StandardVersion]):
    name = LangText("name")

    class Meta:
        model = StandardVersion
        fields = ["code", "name", "name_ja", "name_en", "published_on", "source", "notes", "is_current"]


class ProficiencyLevelOutput(serializers.ModelSerializer[ProficiencyLevel]):
    label = LangText("label")  # type: ignore[assignment]  # a field named like Field.label

    class Meta:
        model = ProficiencyLevel
        fields = ["level", "label", "label_ja", "label_en"]


class ImportanceGradeOutput(serializers.ModelSerializer[ImportanceGrade]):
    label = LangText("label")  # type: ignore[assignment]  # a field named like Field.label

    class Meta:
        model = ImportanceGrade
        fields = ["code", "label", "label_ja", "label_en", "target_proficiency"]


class RoleBriefOutput(serializers.ModelSerializer[Role]):
    name = LangText("name")

    class Meta:
        model = Role
        fields = ["code", "name", "name_ja", "name_en"]


class PersonaTypeOutput(serializers.ModelSerializer[PersonaType]):
    name = LangText("name")
    summary = LangText("summary")
    roles = RoleBriefOutput(many=True, read_only=True)

    class Meta:
        model = PersonaType
        fields = ["code", "name", "name_ja", "name_en", "summary", "summary_ja", "summary_en", "roles"]


class PersonaBriefOutput(serializers.ModelSerializer[PersonaType]):
    name = LangText("name")

    class Meta:
        model = PersonaType
        fields = ["code", "name", "name_ja", "name_en"]


class RequirementOutput(serializers.ModelSerializer[RoleSkillRequirement]):
    skill = serializers.CharField(source="skill_item.code", read_only=True)
    skill_name = serializers.SerializerMethodField()
    skill_name_ja = serializers.CharField(source="skill_item.name_ja", read_only=True)
    skill_name_en = serializers.CharField(source="skill_item.name_en", read_only=True)
    category = serializers.CharField(source="skill_item.subcategory.category.code", read_only=True)
    subcategory = serializers.CharField(source="skill_item.subcategory.code", read_only=True)
    target_proficiency = serializers.SerializerMethodField()

    class Meta:
        model = RoleSkillRequirement
        fields = [
            "skill",
            "skill_name",
            "skill_name_ja",
            "skill_name_en",
            "category",
            "subcategory",
            "grade",
            "target_proficiency",
            "is_estimated",
        ]

    def get_skill_name(self, obj: RoleSkillRequirement) -> str:
        return pick(obj.skill_item, "name", self.context.get("lang", "ja"))

    def get_target_proficiency(self, obj: RoleSkillRequirement) -> int:
        return int(self.context["targets"].get(obj.grade, 0))


class RoleOutput(serializers.ModelSerializer[Role]):
    name = LangText("name")
    summary = LangText("summary")
    persona_type = PersonaBriefOutput(read_only=True)
    estimated_requirements = serializers.IntegerField(source="estimated_count", read_only=True)
    requirements = RequirementOutput(many=True, read_only=True)

    class Meta:
        model = Role
        fields = [
            "code",
            "name",
            "name_ja",
            "name_en",
            "summary",
            "summary_ja",
            "summary_en",
            "persona_type",
            "estimated_requirements",
            "requirements",
        ]


class SkillItemBriefOutput(serializers.ModelSerializer[SkillItem]):
    name = LangText("name")
    definition = LangText("definition")
    topics = LangList("topics")

    class Meta:
        model = SkillItem
        fields = [
            "code",
            "name",
            "name_ja",
            "name_en",
            "definition",
            "definition_ja",
            "definition_en",
            "topics",
            "topics_ja",
            "topics_en",
        ]


class SkillItemOutput(SkillItemBriefOutput):
    category = serializers.CharField(source="subcategory.category.code", read_only=True)
    subcategory = serializers.CharField(source="subcategory.code", read_only=True)

    class Meta(SkillItemBriefOutput.Meta):
        fields = [*SkillItemBriefOutput.Meta.fields, "category", "subcategory"]


class RoleGradeOutput(serializers.ModelSerializer[RoleSkillRequirement]):
    role = serializers.CharField(source="role.code", read_only=True)
    role_name = serializers.SerializerMethodField()
    persona_type = serializers.CharField(source="role.persona_type.code", read_only=True)
    target_proficiency = serializers.SerializerMethodField()

    class Meta:
        model = RoleSkillRequirement
        fields = ["role", "role_name", "persona_type", "grade", "target_proficiency", "is_estimated"]

    def get_role_name(self, obj: RoleSkillRequirement) -> str:
        return pick(obj.role, "name", self.context.get("lang", "ja"))

    def get_target_proficiency(self, obj: RoleSkillRequirement) -> int:
        return int(self.context["targets"].get(obj.grade, 0))


class SkillItemDetailOutput(SkillItemOutput):
    role_grades = RoleGradeOutput(source="requirements", many=True, read_only=True)

    class Meta(SkillItemOutput.Meta):
        fields = [*SkillItemOutput.Meta.fields, "role_grades"]


class SkillSubcategoryOutput(serializers.ModelSerializer[SkillSubcategory]):
    name = LangText("name")
    items = SkillItemBriefOutput(many=True, read_only=True)

    class Meta:
        model = SkillSubcategory
        fields = ["code", "name", "name_ja", "name_en", "items"]


class SkillCategoryOutput(serializers.ModelSerializer[SkillCategory]):
    name = LangText("name")
    subcategories = SkillSubcategoryOutput(many=True, read_only=True)

    class Meta:
        model = SkillCategory
        fields = ["code", "name", "name_ja", "name_en", "name_verified", "subcategories"]


class LiteracyItemBriefOutput(serializers.ModelSerializer[LiteracyItem]):
    name = LangText("name")
    group = LangText("group")
    topics = LangList("topics")

    class Meta:
        model = LiteracyItem
        fields = [
            "code",
            "name",
            "name_ja",
            "name_en",
            "group",
            "group_ja",
            "group_en",
            "topics",
            "topics_ja",
            "topics_en",
        ]


class LiteracyItemOutput(LiteracyItemBriefOutput):
    section = serializers.CharField(source="section.code", read_only=True)

    class Meta(LiteracyItemBriefOutput.Meta):
        fields = [*LiteracyItemBriefOutput.Meta.fields, "section"]


class LiteracySectionOutput(serializers.ModelSerializer[LiteracySection]):
    name = LangText("name")
    items = LiteracyItemBriefOutput(many=True, read_only=True)

    class Meta:
        model = LiteracySection
        fields = ["code", "name", "name_ja", "name_en", "items"]


class ScalesOutput(serializers.Serializer):
    proficiency_levels = ProficiencyLevelOutput(many=True)
    importance_grades = ImportanceGradeOutput(many=True)


class StandardIndexOutput(serializers.Serializer):
    version = StandardVersionOutput()
    lang = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField())
    estimated_requirements = serializers.IntegerField()
    links = serializers.DictField(child=serializers.CharField())
