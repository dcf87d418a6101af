"""Erasure (APPI): the learner and their account, and whether they may delete it themselves."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from accounts.backends import lockout_wait
from accounts.lockout import auth_failure_record, client_address
from audit.models import AuditAction
from audit.services import audit_identity_forget, audit_record
from learners.models import Enrollment, LearnerProfile, Membership, ProgressEvent, SkillAssessment, TrackAssignment
from learners.signals import learner_erasing


@transaction.atomic
def learner_erase(*, learner: LearnerProfile) -> None:
    """Right to erasure: `learner_account_delete` (profile, enrollments, events about them, assessments,
    memberships; the national count forgets them in the same transaction; the audit log keeps a
    pseudonymous entry)."""
    learner_account_delete(learner=learner)


@dataclass
class ErasureReport:
    counts: dict[str, int]
    account_deleted: bool  # False: anonymised and deactivated (it submitted events about others)


@transaction.atomic
def learner_account_delete(*, learner: LearnerProfile) -> ErasureReport:
    """Erase a learner and their account in one transaction (learners/privacy.py lists what).

    `learners.signals.learner_erasing` is sent first, while everything can still be read, so
    that derived data (national rollups) is updated in the same transaction.  The audit log
    keeps its entries (one more records the erasure) but the pseudonym's link to the person
    is deleted.  An account that reported events about other people is anonymised and
    deactivated instead of deleted, so those events keep their submitter."""
    learner = LearnerProfile.objects.select_for_update().select_related("user").get(pk=learner.pk)
    user = learner.user
    learner_erasing.send(sender=LearnerProfile, learner=learner)
    counts = {
        "assessments": SkillAssessment.objects.filter(learner=learner).count(),
        "enrollments": Enrollment.objects.filter(learner=learner).count(),
        "progress_events": ProgressEvent.objects.filter(learner=learner).count(),
        "track_assignments": TrackAssignment.objects.filter(learner=learner).count(),
        "memberships": Membership.objects.filter(user=user).count(),
    }
    audit_record(
        action=AuditAction.ERASURE,
        event="learner.erased",
        object_type="learners.learnerprofile",
        subject=user,
        detail=counts,
    )
    ProgressEvent.objects.filter(learner=learner).delete()
    SkillAssessment.objects.filter(learner=learner).delete()
    Enrollment.objects.filter(learner=learner).delete()
    TrackAssignment.objects.filter(learner=learner).delete()
    for membership in Membership.objects.filter(user=user):
        membership.delete()  # one audit entry each (permission change)
    learner.delete()  # and the stored plan with it
    keep_account = ProgressEvent.objects.filter(submitted_by=user).exists()
    if keep_account:
        user.api_tokens.all().delete()
        user.groups.clear()
        user.providers.clear()
        user.username = f"erased-{uuid.uuid4().hex[:16]}"
        user.email = user.first_name = user.last_name = ""
        user.is_active = user.is_staff = user.is_superuser = False
        user.set_unusable_password()
        user.save()
        audit_identity_forget(user=user)
    else:
        user.delete()  # its tokens, group links and pseudonym go with it
    return ErasureReport(counts=counts, account_deleted=not keep_account)


@dataclass
class Refusal:
    field: str
    message: str
    wait: int = 0


def account_deletion_refusal(*, user: User, password: str, request: Any = None) -> Refusal | None:
    """Why this user may not delete their account now (None: they may).

    The password must be right; wrong guesses count toward the log-in lock-out of the user name.
    Staff accounts are removed by another administrator, not by themselves."""
    if user.is_staff or user.is_superuser:
        return Refusal("account", "Staff accounts are removed by another administrator.")
    wait = lockout_wait(request=request, username=user.get_username())
    if wait:
        return Refusal("password", "Too many failed attempts; try again later.", wait=wait)
    if not user.check_password(password):
        auth_failure_record(scope="user", value=user.get_username())
        auth_failure_record(scope="ip", value=client_address(request))
        return Refusal("password", "The password is not correct.")
    return None
