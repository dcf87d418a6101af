from django.contrib import admin

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

VERSIONED = ("version",)


@admin.register(StandardVersion)
class StandardVersionAdmin(admin.ModelAdmin[StandardVersion]):
    list_display = ("code", "name_ja", "name_en", "published_on", "is_current", "updated_at")
    list_filter = ("is_current",)
    search_fields = ("code", "name_ja", "name_en")
    readonly_fields = ("content_hash", "created_at", "updated_at")


@admin.register(ProficiencyLevel)
class ProficiencyLevelAdmin(admin.ModelAdmin[ProficiencyLevel]):
    list_display = ("level", "label_ja", "label_en", "version")
    list_filter = VERSIONED
    search_fields = ("label_ja", "label_en")


@admin.register(ImportanceGrade)
class ImportanceGradeAdmin(admin.ModelAdmin[ImportanceGrade]):
    list_display = ("code", "label_ja", "label_en", "target_proficiency", "version")
    list_filter = VERSIONED
    search_fields = ("code", "label_ja", "label_en")


@admin.register(PersonaType)
class PersonaTypeAdmin(admin.ModelAdmin[PersonaType]):
    list_display = ("code", "name_ja", "name_en", "version")
    list_filter = VERSIONED
    search_fields = ("code", "name_ja", "name_en", "summary_ja", "summary_en")


class RequirementInline(admin.TabularInline[RoleSkillRequirement, Role]):
    model = RoleSkillRequirement
    fields = ("skill_item", "grade", "is_estimated", "source")
    readonly_fields = ("skill_item", "source")
    extra = 0
    can_delete = False
    ordering = ("skill_item__position",)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin[Role]):
    list_display = ("code", "name_ja", "name_en", "persona_type", "version")
    list_filter = ("version", "persona_type__code")
    search_fields = ("code", "name_ja", "name_en", "summary_ja", "summary_en")
    list_select_related = ("persona_type", "version")
    inlines = [RequirementInline]


@admin.register(SkillCategory)
class SkillCategoryAdmin(admin.ModelAdmin[SkillCategory]):
    list_display = ("code", "name_ja", "name_en", "name_verified", "version")
    list_filter = ("version", "name_verified")
    search_fields = ("code", "name_ja", "name_en")


@admin.register(SkillSubcategory)
class SkillSubcategoryAdmin(admin.ModelAdmin[SkillSubcategory]):
    list_display = ("code", "name_ja", "name_en", "category", "version")
    list_filter = ("version", "category__code")
    search_fields = ("code", "name_ja", "name_en")
    list_select_related = ("category", "version")


@admin.register(SkillItem)
class SkillItemAdmin(admin.ModelAdmin[SkillItem]):
    list_display = ("code", "name_ja", "name_en", "subcategory", "version")
    list_filter = ("version", "subcategory__category__code", "subcategory__code")
    search_fields = ("code", "name_ja", "name_en", "definition_ja", "definition_en")
    list_select_related = ("subcategory", "version")


@admin.register(LiteracySection)
class LiteracySectionAdmin(admin.ModelAdmin[LiteracySection]):
    list_display = ("code", "name_ja", "name_en", "version")
    list_filter = VERSIONED
    search_fields = ("code", "name_ja", "name_en")


@admin.register(LiteracyItem)
class LiteracyItemAdmin(admin.ModelAdmin[LiteracyItem]):
    list_display = ("code", "name_ja", "name_en", "section", "group_ja", "version")
    list_filter = ("version", "section__code")
    search_fields = ("code", "name_ja", "name_en", "group_ja", "group_en")
    list_select_related = ("section", "version")


@admin.register(RoleSkillRequirement)
class RoleSkillRequirementAdmin(admin.ModelAdmin[RoleSkillRequirement]):
    list_display = ("role", "skill_item", "grade", "is_estimated", "source", "updated_at")
    list_filter = (
        "is_estimated",
        "grade",
        "role__version",
        "role__persona_type__code",
        "skill_item__subcategory__category__code",
    )
    search_fields = (
        "role__code",
        "role__name_ja",
        "role__name_en",
        "skill_item__code",
        "skill_item__name_ja",
        "skill_item__name_en",
    )
    list_select_related = ("role", "skill_item")
    readonly_fields = ("updated_at",)
