from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from common.admin import ReadOnlyAdmin
from interop.models import Credential, XapiStatementIn, XapiStatementOut
from interop.services import credential_revoke


@admin.register(Credential)
class CredentialAdmin(ReadOnlyAdmin):
    """Issued by the service only; staff may revoke (the verification endpoint then reports it)."""

    list_display = ("public_id", "kind", "name", "issued_at", "shared", "revoked_at")
    list_filter = ("kind", "shared")
    search_fields = ("public_id", "achievement_key", "name")
    actions = ["revoke"]  # type: ignore[assignment]  # the read-only base has none

    @admin.action(description=_("Revoke the selected credentials"), permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[Credential]) -> None:
        for credential in queryset:
            credential_revoke(credential=credential, reason=f"revoked by staff ({request.user.pk})")
        messages.success(request, _("Revoked."))

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.has_perm("interop.change_credential"))


@admin.register(XapiStatementOut)
class XapiStatementOutAdmin(ReadOnlyAdmin):
    list_display = ("statement_id", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status",)
    search_fields = ("statement_id",)


@admin.register(XapiStatementIn)
class XapiStatementInAdmin(ReadOnlyAdmin):
    """Statements LMSs sent to the xAPI Statements resource, with what became of them as progress events."""

    list_display = ("statement_id", "verb_id", "submitter", "stored_at", "voided", "progress_status")
    list_filter = ("progress_status", "voided")
    search_fields = ("statement_id", "verb_id")
    list_select_related = ("submitter",)
