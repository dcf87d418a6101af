"""Organization memberships are permissions: each change is recorded in the audit log wherever it comes
from (admin, services, shell).  Connected in LearnersConfig.ready."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from audit.models import AuditAction
from audit.services import audit_record, audit_ref_of, audit_ref_peek
from learners.models import Membership


@receiver(pre_save, sender=Membership)
def _membership_before(sender: Any, instance: Membership, raw: bool = False, **kw: Any) -> None:
    instance._audit_before = (  # type: ignore[attr-defined]
        None
        if raw or instance.pk is None
        else Membership.objects.filter(pk=instance.pk).values("kind", "left_on", "organization_id").first()
    )


@receiver(post_save, sender=Membership)
def _membership_after(sender: Any, instance: Membership, created: bool, raw: bool = False, **kw: Any) -> None:
    if raw:
        return
    before = getattr(instance, "_audit_before", None)
    if created:
        changed: dict[str, Any] = {"kind": [None, instance.kind]}
    elif before is None:
        return
    else:
        changed = {
            f: [str(before[f]) if before[f] is not None else None, str(v) if v is not None else None]
            for f, v in (("kind", instance.kind), ("left_on", instance.left_on))
            if before[f] != v
        }
    if changed:
        audit_record(
            action=AuditAction.PERMISSION,
            event="membership.created" if created else "membership.changed",
            object_type="learners.membership",
            object_id=instance.pk,
            subject_ref=audit_ref_of(instance.user_id),
            organization_id=instance.organization_id,
            detail={"changed": changed},
        )


@receiver(post_delete, sender=Membership)
def _membership_deleted(sender: Any, instance: Membership, **kw: Any) -> None:
    audit_record(
        action=AuditAction.PERMISSION,
        event="membership.deleted",
        object_type="learners.membership",
        object_id=instance.pk,
        subject_ref=audit_ref_peek(user_id=instance.user_id),
        organization_id=instance.organization_id,
        detail={"kind": instance.kind},
    )
