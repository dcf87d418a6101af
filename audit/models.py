"""The audit log: who read, exported or imported what, and every permission change.

Append-only: `AuditEntry` refuses updates and deletes in Python (save, delete, queryset
update/delete) and, on PostgreSQL and SQLite, a trigger refuses UPDATE (and DELETE on
PostgreSQL) in the database.  Entries hold no personal data: people appear only as
random pseudonyms (`AuditIdentity.ref`).  The pseudonym -> user link lives in
`AuditIdentity`, which is deleted when the person's account is erased, so the entries
stay while nobody can tell whom they were about.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditLogImmutable(Exception):
    """Raised on any attempt to change or remove an audit entry."""


class AuditAction(models.TextChoices):
    READ = "read", _("read of learner data")
    EXPORT = "export", _("export")
    IMPORT = "import", _("import")
    PERMISSION = "permission", _("permission change")
    ERASURE = "erasure", _("account erasure")


class ActorKind(models.TextChoices):
    USER = "user", _("user")
    ANONYMOUS = "anonymous", _("anonymous")
    SYSTEM = "system", _("system (command or task)")


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditLogImmutable("audit entries cannot be updated")

    def delete(self) -> NoReturn:
        raise AuditLogImmutable("audit entries cannot be deleted")


class AuditEntry(models.Model):
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=12, choices=AuditAction.choices)
    event = models.CharField(_("event"), max_length=60, help_text=_("what exactly happened, e.g. orgs.members"))
    actor_kind = models.CharField(_("actor kind"), max_length=10, choices=ActorKind.choices)
    actor_ref = models.CharField(_("actor (pseudonym)"), max_length=24, blank=True, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    subject_ref = models.CharField(_("person concerned (pseudonym)"), max_length=24, blank=True, db_index=True)
    organization_id = models.BigIntegerField(_("organization id"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        constraints = [
            models.CheckConstraint(condition=models.Q(action__in=AuditAction.values), name="audit_entry_action_valid"),
            models.CheckConstraint(
                condition=models.Q(actor_kind__in=ActorKind.values), name="audit_entry_actor_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.event}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditLogImmutable("audit entries cannot be updated")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditLogImmutable("audit entries cannot be deleted")


class AuditIdentity(models.Model):
    """The link from a pseudonym to a person; deleting it (erasure) leaves the entries anonymous."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="audit_identity")
    ref = models.CharField(max_length=24, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("audit pseudonym")
        verbose_name_plural = _("audit pseudonyms")

    def __str__(self) -> str:
        return self.ref
