from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from courses.models import CatalogState, Course, CourseLiteracy, CourseSkill, ImportRun, Provider
from courses.services import course_skill_review


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin[Provider]):
    list_display = ("name_ja", "name_en", "kind", "corporate_number", "website")
    list_filter = ("kind",)
    search_fields = ("name_ja", "name_en", "corporate_number")
    filter_horizontal = ("members",)


class CourseSkillInline(admin.TabularInline[CourseSkill, Course]):
    model = CourseSkill
    fields = ("skill_item", "level", "source", "confidence", "evidence", "review_status", "reviewer", "reviewed_at")
    readonly_fields = ("reviewer", "reviewed_at", "evidence")
    autocomplete_fields = ("skill_item",)
    extra = 0


class CourseLiteracyInline(admin.TabularInline[CourseLiteracy, Course]):
    model = CourseLiteracy
    fields = ("literacy_item", "literacy_section", "position")
    extra = 0


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin[Course]):
    list_display = (
        "code",
        "title_ja",
        "provider",
        "level",
        "hours",
        "price_jpy",
        "format",
        "status",
        "needs_skill_inference",
    )
    list_filter = (
        "status",
        "level",
        "format",
        "language",
        "reskill_certified",
        "training_benefit_eligible",
        "needs_skill_inference",
        "provider__kind",
    )
    search_fields = ("code", "title_ja", "title_en", "description_ja", "description_en", "provider__name_ja")
    list_select_related = ("provider",)
    autocomplete_fields = ("provider", "prerequisites")
    readonly_fields = ("created_at", "updated_at")
    inlines = [CourseSkillInline, CourseLiteracyInline]


def _review(action: str, label: Any) -> Any:
    @admin.action(description=label)
    def run(modeladmin: admin.ModelAdmin[CourseSkill], request: HttpRequest, queryset: QuerySet[CourseSkill]) -> None:
        with transaction.atomic():  # one commit: the tagger is refitted once for the whole batch
            for tag in queryset:
                course_skill_review(tag=tag, reviewer=request.user, action=action)  # type: ignore[arg-type]
        modeladmin.message_user(request, _("%(n)d tags updated.") % {"n": queryset.count()}, messages.SUCCESS)

    run.__name__ = f"review_{action}"
    return run


@admin.register(CourseSkill)
class CourseSkillAdmin(admin.ModelAdmin[CourseSkill]):
    """The review queue: filter on 'pending review', then accept or reject."""

    list_display = (
        "course",
        "skill_item",
        "level",
        "source",
        "confidence",
        "evidence_text",
        "review_status",
        "reviewer",
        "reviewed_at",
    )
    list_filter = ("review_status", "source", "skill_item__subcategory__category__code", "level")
    search_fields = ("course__code", "course__title_ja", "course__title_en", "skill_item__code", "skill_item__name_ja")
    list_select_related = ("course", "skill_item", "reviewer")
    autocomplete_fields = ("course", "skill_item")
    readonly_fields = ("reviewer", "reviewed_at")
    actions = [_review("accept", _("Accept the selected tags")), _review("reject", _("Reject the selected tags"))]

    def get_queryset(self, request: HttpRequest) -> QuerySet[CourseSkill]:
        return super().get_queryset(request).order_by("review_status", "confidence")

    @admin.display(description=_("evidence"))
    def evidence_text(self, tag: CourseSkill) -> str:
        """The sentences of the course text that support an inferred tag, quoted."""
        return " / ".join(f"「{sentence}」" for sentence in tag.evidence or []) or "-"


@admin.register(CourseLiteracy)
class CourseLiteracyAdmin(admin.ModelAdmin[CourseLiteracy]):
    list_display = ("course", "literacy_item", "literacy_section")
    list_filter = ("literacy_section__code", "literacy_item__section__code")
    search_fields = ("course__code", "course__title_ja", "literacy_item__code")
    list_select_related = ("course", "literacy_item", "literacy_section")


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin[ImportRun]):
    list_display = (
        "created_at",
        "filename",
        "file_format",
        "actor",
        "outcome",
        "rows",
        "created",
        "updated",
        "rejected",
    )
    list_filter = ("outcome", "file_format", "partial")
    search_fields = ("filename", "actor__username")
    readonly_fields = [f.name for f in ImportRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ImportRun | None = None) -> bool:
        return False


@admin.register(CatalogState)
class CatalogStateAdmin(admin.ModelAdmin[CatalogState]):
    list_display = ("version", "changed_at")
    search_fields = ("version",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
