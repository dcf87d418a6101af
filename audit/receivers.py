"""Permission changes, recorded wherever they come from (admin, services, shell): role groups,
user permissions, staff/superuser/active flags, organization memberships, provider accounts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission, User
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from audit.models import AuditAction
from audit.services import audit_record, audit_ref_for, audit_ref_peek
from courses.models import Provider
from learners.models import Membership

_FLAGS = ("is_staff", "is_superuser", "is_active")
_M2M_ACTIONS = {"post_add": "added", "post_remove": "removed", "pre_clear": "cleared"}


def _names(model: type, pks: set[Any] | None) -> list[str]:
    if not pks:
        return []
    if model is Group:
        return sorted(Group.objects.filter(pk__in=pks).values_list("name", flat=True))
    if model is Permission:
        return sorted(
            f"{a}.{c}"
            for a, c in Permission.objects.filter(pk__in=pks).values_list("content_type__app_label", "codename")
        )
    return sorted(str(pk) for pk in pks)


def _user_ref(user_id: int) -> str:
    user = User.objects.filter(pk=user_id).first()
    return audit_ref_for(user=user) if user is not None else ""


@receiver(m2m_changed, sender=User.groups.through)
def _groups_changed(sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[Any] | None, **kw: Any) -> None:
    if action not in _M2M_ACTIONS:
        return
    if not reverse:  # user.groups.add(group...)
        groups = list(instance.groups.values_list("name", flat=True)) if action == "pre_clear" else None
        audit_record(
            action=AuditAction.PERMISSION,
            event=f"user.groups.{_M2M_ACTIONS[action]}",
            object_type="auth.user",
            subject=instance,
            detail={"groups": sorted(groups) if groups is not None else _names(Group, pk_set)},
        )
        return
    # group.user_set.add(user...): one entry per person
    user_ids = set(instance.user_set.values_list("pk", flat=True)) if action == "pre_clear" else set(pk_set or ())
    for user_id in sorted(user_ids):
        audit_record(
            action=AuditAction.PERMISSION,
            event=f"user.groups.{_M2M_ACTIONS[action]}",
            object_type="auth.user",
            subject_ref=_user_ref(user_id),
            detail={"groups": [instance.name]},
        )


@receiver(m2m_changed, sender=User.user_permissions.through)
def _user_permissions_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[Any] | None, **kw: Any
) -> None:
    if action not in _M2M_ACTIONS:
        return
    if reverse:
        for user_id in sorted(pk_set or ()):
            audit_record(
                action=AuditAction.PERMISSION,
                event=f"user.permissions.{_M2M_ACTIONS[action]}",
                object_type="auth.user",
                subject_ref=_user_ref(user_id),
                detail={"permissions": _names(Permission, {instance.pk})},
            )
        return
    audit_record(
        action=AuditAction.PERMISSION,
        event=f"user.permissions.{_M2M_ACTIONS[action]}",
        object_type="auth.user",
        subject=instance,
        detail={"permissions": _names(Permission, pk_set)},
    )


@receiver(m2m_changed, sender=Group.permissions.through)
def _group_permissions_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[Any] | None, **kw: Any
) -> None:
    if action not in _M2M_ACTIONS:
        return
    groups = [instance] if not reverse else list(Group.objects.filter(pk__in=pk_set or ()))
    for group in groups:
        audit_record(
            action=AuditAction.PERMISSION,
            event=f"group.permissions.{_M2M_ACTIONS[action]}",
            object_type="auth.group",
            object_id=group.name,
            detail={"permissions": _names(Permission, pk_set if not reverse else {instance.pk})},
        )


@receiver(m2m_changed, sender=Provider.members.through)
def _provider_members_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[Any] | None, **kw: Any
) -> None:
    if action not in _M2M_ACTIONS:
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
            event=f"provider.members.{_M2M_ACTIONS[action]}",
            object_type="courses.provider",
            object_id=provider_id,
            subject_ref=_user_ref(user_id),
        )


@receiver(pre_save, sender=User)
def _user_flags_before(sender: Any, instance: User, raw: bool = False, **kw: Any) -> None:
    update_fields = kw.get("update_fields")
    if raw or instance.pk is None or (update_fields is not None and not set(update_fields) & set(_FLAGS)):
        instance._audit_flags_before = None  # type: ignore[attr-defined]
        return
    instance._audit_flags_before = (  # type: ignore[attr-defined]
        User.objects.filter(pk=instance.pk).values(*_FLAGS).first()
    )


@receiver(post_save, sender=User)
def _user_flags_after(sender: Any, instance: User, created: bool, raw: bool = False, **kw: Any) -> None:
    if raw:
        return
    before = getattr(instance, "_audit_flags_before", None)
    after = {f: getattr(instance, f) for f in _FLAGS}
    if created:
        changed = {f: [None, v] for f, v in after.items() if f != "is_active" and v}
    elif before is None:
        return
    else:
        changed = {f: [before[f], after[f]] for f in _FLAGS if before[f] != after[f]}
    if changed:
        audit_record(
            action=AuditAction.PERMISSION,
            event="user.created" if created else "user.flags.changed",
            object_type="auth.user",
            subject=instance,
            detail={"changed": changed},
        )


@receiver(pre_delete, sender=User)
def _user_deleted(sender: Any, instance: User, **kw: Any) -> None:
    audit_record(
        action=AuditAction.PERMISSION,
        event="user.deleted",
        object_type="auth.user",
        subject_ref=audit_ref_peek(user_id=instance.pk),
    )


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
            subject_ref=_user_ref(instance.user_id),
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
