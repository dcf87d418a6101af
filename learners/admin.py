from django.contrib import admin

from learners.models import Enrollment, LearnerProfile, Membership, Organization, ProgressEvent, SkillAssessment


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin[Organization]):
    list_display = ("name", "industry", "prefecture", "size_band", "corporate_number")
    list_filter = ("industry", "prefecture", "size_band")
    search_fields = ("name", "corporate_number")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ("user", "organization", "kind", "joined_on", "left_on")
    list_filter = ("kind", "organization")
    search_fields = ("user__username", "organization__name")
    list_select_related = ("user", "organization")


@admin.register(LearnerProfile)
class LearnerProfileAdmin(admin.ModelAdmin[LearnerProfile]):
    list_display = ("user", "public_id", "target_role", "prefecture", "industry", "weekly_hours", "budget_jpy")
    list_filter = ("prefecture", "industry", "free_only")
    search_fields = ("user__username", "public_id")
    list_select_related = ("user", "target_role")


@admin.register(SkillAssessment)
class SkillAssessmentAdmin(admin.ModelAdmin[SkillAssessment]):
    list_display = ("learner", "skill_item", "level", "source", "assessed_at")
    list_filter = ("source", "level")
    search_fields = ("learner__user__username", "skill_item__code")
    list_select_related = ("learner__user", "skill_item")


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin[Enrollment]):
    list_display = ("learner", "course", "status", "percent", "enrolled_at", "completed_at")
    list_filter = ("status",)
    search_fields = ("learner__user__username", "course__code", "course__title_ja")
    list_select_related = ("learner__user", "course")


@admin.register(ProgressEvent)
class ProgressEventAdmin(admin.ModelAdmin[ProgressEvent]):
    """Append-only: the log enrollments are derived from."""

    list_display = (
        "idempotency_key",
        "submitted_by",
        "learner",
        "course",
        "kind",
        "percent",
        "occurred_at",
        "received_at",
    )
    list_filter = ("kind",)
    search_fields = ("idempotency_key", "learner__public_id", "course__code")
    list_select_related = ("submitted_by", "learner", "course")

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
