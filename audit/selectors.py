"""Reads of the audit log."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import OuterRef, Q, QuerySet, Subquery

from audit.models import AuditEntry, AuditIdentity


def audit_people(*, refs: Iterable[str]) -> dict[str, str]:
    """Pseudonym -> username for people whose account still exists (erased ones are absent)."""
    return dict(AuditIdentity.objects.filter(ref__in=set(refs)).values_list("ref", "user__username"))


def audit_entries_about(*, ref: str) -> QuerySet[AuditEntry]:
    """Entries where the person acted or whose data they concern (for their own data export)."""
    if not ref:
        return AuditEntry.objects.none()
    return AuditEntry.objects.filter(Q(subject_ref=ref) | Q(actor_ref=ref)).order_by("at", "pk")


def audit_entries_with_names(*, qs: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
    """Annotate `actor_name` and `subject_name` (None once the person is erased), for staff views."""

    def name_of(field: str) -> Subquery:
        return Subquery(AuditIdentity.objects.filter(ref=OuterRef(field)).values("user__username")[:1])

    return qs.annotate(actor_name=name_of("actor_ref"), subject_name=name_of("subject_ref"))
