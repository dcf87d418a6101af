"""Read-only views of the derived national tables (only services write them)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from national.models import NationalCell, NationalCount, NationalCourse


class ReadOnly(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(NationalCell)
class NationalCellAdmin(ReadOnly):
    list_display = ("grouping", "fiscal_year", "prefecture", "industry", "persona_type", "org_size", "people")
    list_filter = ("grouping", "fiscal_year")


@admin.register(NationalCount)
class NationalCountAdmin(ReadOnly):
    list_display = ("learner", "fiscal_year", "prefecture", "industry", "persona_type", "org_size", "completed_at")
    list_filter = ("fiscal_year", "persona_type", "org_size")


@admin.register(NationalCourse)
class NationalCourseAdmin(ReadOnly):
    list_display = ("course_id", "synced_at")
