"""Writes to the audit log.  Callers record inside the transaction of what they audit."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction

from audit.context import current_request
from audit.models import ActorKind, AuditAction, AuditEntry, AuditIdentity


class _FromRequest:
    """Default actor: whoever is signed in for the current request, else the system."""


FROM_REQUEST = _FromRequest()


def audit_ref_for(*, user: User) -> str:
    """The person's pseudonym in the audit log (created on first use; stable until erasure)."""
    existing = AuditIdentity.objects.filter(user_id=user.pk).values_list("ref", flat=True).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return AuditIdentity.objects.create(user_id=user.pk, ref=secrets.token_hex(8)).ref
    except IntegrityError:  # created at the same moment by another request
        return AuditIdentity.objects.values_list("ref", flat=True).get(user_id=user.pk)


def audit_ref_of(user_id: int) -> str:
    """The pseudonym of the user with this id (created on first use); "" when there is no such user."""
    user = User.objects.filter(pk=user_id).first()
    return audit_ref_for(user=user) if user is not None else ""


# m2m_changed actions that receivers record, and the word each is recorded with.
M2M_ACTIONS = {"post_add": "added", "post_remove": "removed", "pre_clear": "cleared"}


def audit_ref_peek(*, user_id: int | None) -> str:
    """The pseudonym if one exists, never creating one (safe while the user is being deleted)."""
    if user_id is None:
        return ""
    return AuditIdentity.objects.filter(user_id=user_id).values_list("ref", flat=True).first() or ""


def audit_identity_forget(*, user: User) -> int:
    """Erasure: drop the pseudonym -> person link; entries stay but no longer point at anyone."""
    deleted, _ = AuditIdentity.objects.filter(user_id=user.pk).delete()
    return deleted


def _actor(actor: User | AnonymousUser | _FromRequest | None) -> tuple[str, str]:
    if isinstance(actor, _FromRequest):
        request = current_request()
        actor = getattr(request, "user", None) if request is not None else None
        if actor is None:
            return ActorKind.SYSTEM, ""
    if actor is None:
        return ActorKind.SYSTEM, ""
    if isinstance(actor, User) and actor.is_authenticated and actor.pk is not None:
        return ActorKind.USER, audit_ref_for(user=actor)
    return ActorKind.ANONYMOUS, ""


def audit_record(
    *,
    action: AuditAction | str,
    event: str,
    actor: User | AnonymousUser | _FromRequest | None = FROM_REQUEST,
    object_type: str = "",
    object_id: object = "",
    subject: User | None = None,
    subject_ref: str = "",
    organization_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry.  `subject` is the person whose data it concerns (stored as a pseudonym).

    Never pass personal data in `detail` or `object_id` (usernames, e-mail, names): use
    `subject` for people; ids of organizations, tracks, import runs and counts are fine."""
    actor_kind, actor_ref = _actor(actor)
    if subject is not None:
        subject_ref = audit_ref_for(user=subject)
    return AuditEntry.objects.create(
        action=action,
        event=event[:60],
        actor_kind=actor_kind,
        actor_ref=actor_ref,
        object_type=object_type[:60],
        object_id=str(object_id)[:64],
        subject_ref=subject_ref,
        organization_id=organization_id,
        detail=detail or {},
    )
