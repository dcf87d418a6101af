"""API tokens (only a hash of the key is stored) and the product's roles as auth groups."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RoleGroup(models.TextChoices):
    """Auth groups that carry the product's roles (staff is Django's is_staff)."""

    LEARNER = "learner", _("learner")
    ORG_ADMIN = "organization_admin", _("organization admin")
    PROVIDER = "catalog_provider", _("catalog provider")
    MINISTRY = "ministry_analyst", _("ministry analyst")


class ApiToken(models.Model):
    """A bearer key for the API: `dxp_<prefix>_<secret>`; we keep the prefix and a SHA-256 of the key."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} (dxp_{self.prefix}_…)"


class AuthFailure(models.Model):
    """One failed authentication; counted per key within a window to lock out guessing.

    `scope` is what was guessed: "user" (a password for a user name, at log-in or when
    confirming an account deletion), "ip" (passwords from one address), "token" (API keys
    from one address).  `key` is an HMAC of the user name or address, never the value."""

    scope = models.CharField(max_length=10)
    key = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("failed authentication")
        verbose_name_plural = _("failed authentications")
        indexes = [models.Index(fields=["scope", "key", "at"], name="accounts_authfailure_lookup")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key[:8]} {self.at:%Y-%m-%d %H:%M:%S}"
