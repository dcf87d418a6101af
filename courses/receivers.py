"""Changes to provider accounts are permission changes: recorded in the audit log wherever they come from
(admin, services, shell).  Connected in CoursesConfig.ready."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from audit.models import AuditAction
from audit.services import M2M_ACTIONS, audit_record, audit_ref_of
from courses.models import Provider


@receiver(m2m_changed, sender=Provider.members.through)
def _provider_members_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[Any] | None, **kw: Any
) -> None:
    if action not in M2M_ACTIONS:
        return
    if reverse:  # user.providers.add(provider...)
        pairs = [(instance.pk, pk) for pk in sorted(pk_set or ())]
        if action == "pre_clear":
            pairs = [(instance.pk, pk) for pk in instance.providers.values_list("pk", flat=True)]
    else:
        ids = instance.members.values_list("pk", flat=True) if action == "pre_clear" else pk_set or ()
        pairs = [(uid, instance.pk) for uid in sorted(ids)]
    for user_id, provider_id in pairs:
        audit_record(
            action=AuditAction.PERMISSION,
            event=f"provider.members.{M2M_ACTIONS[action]}",
            object_type="courses.provider",
            object_id=provider_id,
            subject_ref=audit_ref_of(user_id),
        )
