"""Permission changes, recorded wherever they come from (admin, services, shell): role groups,
user permissions, staff/superuser/active flags.  Organization memberships and provider accounts are recorded
by the apps that own them (learners/receivers.py, courses/receivers.py), which call audit like any service."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission, User
from django.db.models.signals import m2m_changed, post_save, pre_delete, pre_save
from django.dispatch import receiver

from audit.models import AuditAction
from audit.services import M2M_ACTIONS, audit_record, audit_ref_of, audit_ref_peek

_FLAGS = ("is_staff", "is_superuser", "is_active")


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


@receiver(m2m_changed, sender=User.groups.through)
def _groups_changed(sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[Any] | None, **kw: Any) -> None:
    if action not in M2M_ACTIONS:
        return
    if not reverse:  # user.groups.add(group...)
        groups = list(instance.groups.values_list("name", flat=True)) if action == "pre_clear" else None
        audit_record(
            action=AuditAction.PERMISSION,
            event=f"user.groups.{M2M_ACTIONS[action]}",
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
            event=f"user.groups.{M2M_ACTIONS[action]}",
            object_type="auth.user",
            subject_ref=audit_ref_of(user_id),
            detail={"groups": [instance.name]},
        )


@receiver(m2m_changed, sender=User.user_permissions.through)
def _user_permissions_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[Any] | None, **kw: Any
) -> None:
    if action not in M2M_ACTIONS:
        return
    if reverse:
        for user_id in sorted(pk_set or ()):
            audit_record(
                action=AuditAction.PERMISSION,
                event=f"user.permissions.{M2M_ACTIONS[action]}",
                object_type="auth.user",
                subject_ref=audit_ref_of(user_id),
                detail={"permissions": _names(Permission, {instance.pk})},
            )
        return
    audit_record(
        action=AuditAction.PERMISSION,
        event=f"user.permissions.{M2M_ACTIONS[action]}",
        object_type="auth.user",
        subject=instance,
        detail={"permissions": _names(Permission, pk_set)},
    )


@receiver(m2m_changed, sender=Group.permissions.through)
def _group_permissions_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[Any] | None, **kw: Any
) -> None:
    if action not in M2M_ACTIONS:
        return
    groups = [instance] if not reverse else list(Group.objects.filter(pk__in=pk_set or ()))
    for group in groups:
        audit_record(
            action=AuditAction.PERMISSION,
            event=f"group.permissions.{M2M_ACTIONS[action]}",
            object_type="auth.group",
            object_id=group.name,
            detail={"permissions": _names(Permission, pk_set if not reverse else {instance.pk})},
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
