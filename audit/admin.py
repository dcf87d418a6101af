from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEntry, AuditIdentity
from audit.selectors import audit_entries_with_names
from common.admin import StaffReadOnlyAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(StaffReadOnlyAdmin):
    """Read-only for every staff member; nobody can add, change or delete entries here."""

    list_display = ("at", "action", "event", "actor", "object_type", "object_id", "subject", "organization_id")
    list_filter = ("action", "actor_kind", "event")
    search_fields = ("event", "actor_ref", "subject_ref", "object_id")
    date_hierarchy = "at"
    fields = (
        "at",
        "action",
        "event",
        "actor_kind",
        "actor_ref",
        "actor",
        "object_type",
        "object_id",
        "subject_ref",
        "subject",
        "organization_id",
        "detail",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEntry]:
        return audit_entries_with_names(qs=super().get_queryset(request))

    @staticmethod
    def _name(ref: str, name: str | None) -> str:
        if not ref:
            return "—"
        return name or str(_("erased (%(ref)s)") % {"ref": ref})

    @admin.display(description=_("actor"))
    def actor(self, entry: AuditEntry) -> str:
        if entry.actor_kind != "user":
            return str(entry.get_actor_kind_display())
        return self._name(entry.actor_ref, getattr(entry, "actor_name", None))

    @admin.display(description=_("person concerned"))
    def subject(self, entry: AuditEntry) -> str:
        return self._name(entry.subject_ref, getattr(entry, "subject_name", None))


@admin.register(AuditIdentity)
class AuditIdentityAdmin(StaffReadOnlyAdmin):
    list_display = ("ref", "user", "created_at")
    search_fields = ("ref", "user__username")
    list_select_related = ("user",)
