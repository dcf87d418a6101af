"""Writes for accounts: issuing and revoking API tokens, giving users their role groups."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import Group, User
from django.utils import timezone

from accounts.models import ApiToken, RoleGroup
from audit.models import AuditAction
from audit.services import audit_record, audit_ref_for


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def api_token_issue(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; the full key is returned once and never stored."""
    prefix = secrets.token_hex(6)
    key = f"dxp_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(user=user, name=name, prefix=prefix, key_hash=hash_key(key))
    audit_record(
        action=AuditAction.PERMISSION,
        event="api_token.issued",
        object_type="accounts.apitoken",
        object_id=token.prefix,
        subject=user,
    )
    return token, key


def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            action=AuditAction.PERMISSION,
            event="api_token.revoked",
            object_type="accounts.apitoken",
            object_id=token.prefix,
            subject_ref=audit_ref_for(user=token.user),
        )


def user_role_grant(*, user: User, role: RoleGroup) -> None:
    """Idempotent."""
    group, _ = Group.objects.get_or_create(name=role.value)
    user.groups.add(group)


def user_has_role(user: User, role: RoleGroup) -> bool:
    return user.is_authenticated and user.groups.filter(name=role.value).exists()
