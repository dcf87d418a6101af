"""Credentials issued to learners (Open Badges 3.0) and xAPI statements waiting to go to an LRS."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from learners.models import LearnerProfile, Track
from skills.models import SkillItem


class Credential(models.Model):
    """One signed OpenBadgeCredential; at most one per learner and achievement."""

    class Kind(models.TextChoices):
        TRACK = "track", _("employer track completed")
        ITEM_LEVEL = "item_level", _("target level reached")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    learner = models.ForeignKey(LearnerProfile, on_delete=models.CASCADE, related_name="credentials")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    # What was achieved, e.g. "track:12" or "item:dss-1.2:DU04:3"; unique per learner.
    achievement_key = models.CharField(_("achievement"), max_length=200)
    # The achievement's id is <PUBLIC_BASE_URL>/credentials/achievements/<achievement_uuid> (uuid5 of the key).
    achievement_uuid = models.UUIDField(null=True, blank=True, db_index=True, editable=False)
    # Its bit in the revocation status list (/credentials/status/revocation); the credential's pk.
    status_index = models.PositiveIntegerField(null=True, blank=True, unique=True, editable=False)
    track = models.ForeignKey(Track, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    skill_item = models.ForeignKey(SkillItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    level = models.PositiveSmallIntegerField(_("level"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=300)
    document = models.JSONField(_("signed credential"))
    shared = models.BooleanField(_("shared by a public link"), default=False)
    issued_at = models.DateTimeField(_("issued at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revocation_reason = models.CharField(_("revocation reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "achievement_key"], name="interop_one_credential_per_achievement"
            ),
            models.CheckConstraint(condition=Q(kind__in=["track", "item_level"]), name="interop_credential_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.achievement_key}"


class XapiStatementOut(models.Model):
    """An xAPI statement for the configured LRS, written in the transaction of what it reports."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    statement_id = models.UUIDField(unique=True)
    learner = models.ForeignKey(LearnerProfile, on_delete=models.CASCADE, related_name="xapi_statements_out")
    statement = models.JSONField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("xAPI statement (outgoing)")
        verbose_name_plural = _("xAPI statements (outgoing)")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["pending", "sent", "failed"]), name="interop_xapi_status"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="interop_xapi_due")]

    def __str__(self) -> str:
        return f"{self.statement_id} {self.status}"


class XapiStatementIn(models.Model):
    """A statement received by the xAPI Statements resource (/api/v1/xapi/statements), as stored.

    `statement` is the stored form (with `stored`, `authority`, `version`, `timestamp` set by this
    LRS); `original` is what was sent, to tell a repeat of the same statement from a conflict."""

    statement_id = models.UUIDField(unique=True)
    submitter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="xapi_statements_in")
    # The learner the statement's actor names, when it names one (erasure deletes the statement).
    learner = models.ForeignKey(
        LearnerProfile, on_delete=models.CASCADE, null=True, blank=True, related_name="xapi_statements_in"
    )
    statement = models.JSONField()
    original = models.JSONField()
    verb_id = models.CharField(max_length=500)
    voided = models.BooleanField(default=False)
    stored_at = models.DateTimeField(db_index=True)
    # What became of it as a progress event: created | duplicate | rejected | "" (not a progress verb).
    progress_status = models.CharField(max_length=10, blank=True)
    progress_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["stored_at", "pk"]
        verbose_name = _("xAPI statement (received)")
        verbose_name_plural = _("xAPI statements (received)")
        indexes = [models.Index(fields=["submitter", "stored_at"], name="interop_xapi_in_by_submitter")]

    def __str__(self) -> str:
        return f"{self.statement_id} {self.verb_id}"
