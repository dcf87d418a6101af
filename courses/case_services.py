"""Writes for case-based programs: the catalog import plus the cohort and case, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction

from courses.case_programs import CaseFileError, split_case_file
from courses.models import CaseProgram, Course
from courses.services import catalog_import, catalog_version_bump


@dataclass
class CaseLoadReport:
    programs: int
    created: int
    updated: int


@transaction.atomic
def case_programs_load(*, data: bytes, filename: str, actor: User | AnonymousUser | None = None) -> CaseLoadReport:
    """Import a case-program file (catalog records with a `case` object); all-or-nothing, idempotent.

    The courses go through `catalog_import` (same checks, upsert by provider and code); then each gets
    its CaseProgram row.  Raises CaseFileError naming the record and field."""
    catalog, cases = split_case_file(data, source=filename)
    report = catalog_import(data=catalog, filename=filename, actor=actor)
    if not report.stored:
        raise CaseFileError(filename, [f"record {i.row}, field '{i.field}': {i.message}" for i in report.issues])
    created = updated = 0
    for case in cases:
        course = Course.objects.get(provider__name_ja=case.provider, code=case.code)
        values = {
            "cohort_starts_on": case.cohort_starts_on,
            "cohort_ends_on": case.cohort_ends_on,
            "application_deadline": case.application_deadline,
            "team_size_min": case.team_size_min,
            "team_size_max": case.team_size_max,
            "mentors": case.mentors,
            "case_industry": case.case_industry,
            "case_company_size": case.case_company_size,
            "case_region": case.case_region,
            "hours_per_week": case.hours_per_week,
            "online": case.online,
        }
        existing = CaseProgram.objects.filter(course=course).first()
        if existing is None:
            CaseProgram.objects.create(course=course, **values)
            created += 1
        elif any(getattr(existing, k) != v for k, v in values.items()):
            CaseProgram.objects.filter(course=course).update(**values)
            updated += 1
    if created or updated:
        catalog_version_bump()  # cached search answers and stored plans see the change
    return CaseLoadReport(programs=len(cases), created=created, updated=updated)
