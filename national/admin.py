"""Read-only views of the derived national tables (only services write them)."""

from django.contrib import admin

from common.admin import ReadOnlyAdmin
from national.models import NationalCell, NationalCount, NationalCourse


@admin.register(NationalCell)
class NationalCellAdmin(ReadOnlyAdmin):
    list_display = ("grouping", "fiscal_year", "prefecture", "industry", "persona_type", "org_size", "people")
    list_filter = ("grouping", "fiscal_year")


@admin.register(NationalCount)
class NationalCountAdmin(ReadOnlyAdmin):
    list_display = ("learner", "fiscal_year", "prefecture", "industry", "persona_type", "org_size", "completed_at")
    list_filter = ("fiscal_year", "persona_type", "org_size")


@admin.register(NationalCourse)
class NationalCourseAdmin(ReadOnlyAdmin):
    list_display = ("course_id", "synced_at")
