"""Passed exams as skill evidence (docs/exams.md), and the organization's DX認定 record.

An exam pass becomes assessments of source `exam` on the items the exam map names (the current level
rule in docs/learner-levels.md then lets it outrank self-assessment).  For each item the exam
evidence is the highest level over the learner's passes that are still valid today; whenever that
changes (a pass added or removed, the map reloaded, a pass expiring) a new `exam` assessment is
appended, so the latest exam assessment always equals the evidence now.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record
from common.messages import Message
from learners.models import (
    AssessmentSource,
    ExamPass,
    ExamPassSource,
    LearnerProfile,
    Organization,
    SkillAssessment,
)
from learners.signals import levels_recorded, plans_outdated
from skills.models import Exam, ExamSkill

CERTIFICATE_MAX = 40
IMPORT_MAX_ROWS = 5000


class ExamPassError(ValueError):
    """Bad input for an exam pass: `field` names what is wrong (and `row` the CSV line, if any); `message` is a
    Message (common/messages.py), shown translated by the page."""

    def __init__(self, field: str, message: str, row: int | None = None) -> None:
        self.field, self.message, self.row = field, message, row
        where = f"row {row}, " if row else ""
        super().__init__(f"{where}field '{field}': {message}")


def pass_expires_on(exam: Exam, passed_on: date) -> date | None:
    """The last day a pass is evidence, or None when the issuer sets no expiry."""
    if exam.valid_years is None:
        return None
    try:
        end = passed_on.replace(year=passed_on.year + exam.valid_years)
    except ValueError:  # 29 February
        end = passed_on.replace(year=passed_on.year + exam.valid_years, day=28)
    return end


def pass_is_valid(exam: Exam, passed_on: date, today: date) -> bool:
    end = pass_expires_on(exam, passed_on)
    return end is None or today < end


def _check_pass(exam_code: str, passed_on: date, certificate_number: str, today: date, row: int | None) -> Exam:
    exam = Exam.objects.filter(code=exam_code.strip()).first() if "\x00" not in exam_code else None
    if exam is None:
        raise ExamPassError("exam", Message("%(code)s is not a known exam code", code=repr(exam_code)), row)
    if passed_on > today:
        raise ExamPassError("passed_on", Message("%(date)s is in the future", date=passed_on.isoformat()), row)
    if passed_on < exam.first_held_on:
        raise ExamPassError(
            "passed_on",
            Message(
                "%(date)s is before %(exam)s was first held (%(first)s)",
                date=passed_on.isoformat(),
                exam=exam.code,
                first=exam.first_held_on.isoformat(),
            ),
            row,
        )
    if "\x00" in certificate_number:
        raise ExamPassError("certificate_number", Message("holds a NUL character"), row)
    if len(certificate_number) > CERTIFICATE_MAX:
        raise ExamPassError(
            "certificate_number", Message("is longer than %(limit)s characters", limit=CERTIFICATE_MAX), row
        )
    return exam


@transaction.atomic
def exam_pass_add(
    *,
    learner: LearnerProfile,
    exam_code: str,
    passed_on: date,
    certificate_number: str = "",
    recorded_by: User | None = None,
    today: date | None = None,
) -> ExamPass:
    """The learner records a pass; raises ExamPassError (unknown exam, date in the future or before the
    exam existed, a duplicate).  Nothing is stored on error."""
    today = today or timezone.localdate()
    exam = _check_pass(exam_code, passed_on, certificate_number.strip(), today, None)
    if ExamPass.objects.filter(learner=learner, exam=exam, passed_on=passed_on).exists():
        raise ExamPassError(
            "passed_on",
            Message("a pass of %(exam)s on %(date)s is already recorded", exam=exam.code, date=passed_on.isoformat()),
        )
    row = ExamPass.objects.create(
        learner=learner,
        exam=exam,
        passed_on=passed_on,
        certificate_number=certificate_number.strip(),
        source=ExamPassSource.LEARNER,
        recorded_by=recorded_by,
    )
    exam_evidence_sync(learner_ids=[learner.pk], today=today)
    return row


@transaction.atomic
def exam_pass_delete(*, learner: LearnerProfile, pass_id: int) -> bool:
    """Remove one of the learner's passes (its evidence goes with it). False if it is not theirs."""
    deleted, _ = ExamPass.objects.filter(learner=learner, pk=pass_id).delete()
    if deleted:
        exam_evidence_sync(learner_ids=[learner.pk])
    return bool(deleted)


def exam_evidence_levels(*, learner_ids: list[int], today: date) -> dict[int, dict[int, tuple[int, list[str]]]]:
    """learner id -> item id -> (highest level shown by a valid pass, exam codes showing it)."""
    mapping: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for exam_id, item_id, level in ExamSkill.objects.values_list("exam_id", "skill_item_id", "level"):
        mapping[exam_id].append((item_id, level))
    out: dict[int, dict[int, tuple[int, list[str]]]] = defaultdict(dict)
    for p in ExamPass.objects.filter(learner_id__in=learner_ids).select_related("exam").order_by("passed_on", "pk"):
        if not pass_is_valid(p.exam, p.passed_on, today):
            continue
        for item_id, level in mapping.get(p.exam_id, []):
            best = out[p.learner_id].get(item_id)
            if best is None or level > best[0]:
                out[p.learner_id][item_id] = (level, [p.exam.code])
            elif level == best[0] and p.exam.code not in best[1]:
                best[1].append(p.exam.code)
    return out


@transaction.atomic
def exam_evidence_sync(*, learner_ids: list[int], today: date | None = None) -> int:
    """Append `exam` assessments where the evidence now differs from the latest exam assessment.

    Idempotent: a second call appends nothing.  Returns how many assessments were appended; re-plans
    the learners concerned after commit."""
    today = today or timezone.localdate()
    ids = sorted(set(learner_ids))
    if not ids:
        return 0
    wanted = exam_evidence_levels(learner_ids=ids, today=today)
    latest: dict[tuple[int, int], int] = {}
    for learner_id, item_id, level in (
        SkillAssessment.objects.filter(learner_id__in=ids, source=AssessmentSource.EXAM)
        .order_by("-assessed_at", "-pk")
        .values_list("learner_id", "skill_item_id", "level")
    ):
        latest.setdefault((learner_id, item_id), level)
    now = timezone.now()
    rows = []
    for learner_id in ids:
        items = wanted.get(learner_id, {})
        for item_id, (level, codes) in items.items():
            if latest.get((learner_id, item_id)) != level:
                rows.append((learner_id, item_id, level, "exam:" + ",".join(sorted(codes))))
        for (lid, item_id), level in latest.items():
            if lid == learner_id and item_id not in items and level != 0:
                rows.append((learner_id, item_id, 0, "exam: no valid pass"))
    stored = SkillAssessment.objects.bulk_create(
        [
            SkillAssessment(
                learner_id=learner_id,
                skill_item_id=item_id,
                level=level,
                source=AssessmentSource.EXAM,
                note=note,
                assessed_at=now,
            )
            for learner_id, item_id, level, note in rows
        ]
    )
    if stored:
        levels_recorded.send(sender=SkillAssessment, assessments=stored)
        plans_outdated.send(sender=SkillAssessment, learner_ids=sorted({a.learner_id for a in stored}))
    return len(stored)


def exam_evidence_expire(*, today: date | None = None) -> int:
    """Re-sync the learners holding a pass of an exam that expires (run daily: `expire_exam_passes`)."""
    ids = list(ExamPass.objects.filter(exam__valid_years__isnull=False).values_list("learner_id", flat=True).distinct())
    return exam_evidence_sync(learner_ids=ids, today=today) if ids else 0


# --- employers: staff exam results (CSV: member, exam, date) --------------------------------------


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    already_recorded: int = 0
    learners: int = 0


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ExamPassError("file", Message("is neither UTF-8 nor CP932 text"))


def _rows(reader: Any) -> Any:
    try:
        yield from reader
    except csv.Error as exc:
        raise ExamPassError("file", Message("is not valid CSV: %(error)s", error=str(exc)), reader.line_num) from exc


def _member_lookup(organization: Organization) -> dict[str, int]:
    """Active members by user name, e-mail and public id -> learner profile id."""
    out: dict[str, int] = {}
    for pk, public_id, username, email in LearnerProfile.objects.filter(
        user__memberships__organization=organization, user__memberships__left_on__isnull=True
    ).values_list("pk", "public_id", "user__username", "user__email"):
        out[str(public_id)] = pk
        out[username.lower()] = pk
        if email:
            out[email.lower()] = pk
    return out


@transaction.atomic
def org_exam_results_import(
    *, organization: Organization, data: bytes, recorded_by: User | None = None, today: date | None = None
) -> ImportReport:
    """Import staff exam results; all-or-nothing: the first bad row raises ExamPassError naming the row.

    Columns `member` (user name, e-mail or learner public id of an active member), `exam` (code),
    `date` (YYYY-MM-DD).  A pass already recorded (same member, exam, date) is not stored twice, so
    importing the same file again changes nothing; the same pass twice in one file is an error."""
    today = today or timezone.localdate()
    text = _decode(data)
    if "\x00" in text:
        raise ExamPassError("file", Message("holds a NUL character"))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ExamPassError("file", Message("is empty; expected a header row member,exam,date"), 1) from None
    for column in ("member", "exam", "date"):
        if column not in header:
            raise ExamPassError(column, Message("the header has no '%(column)s' column", column=column), 1)
    index = {c: header.index(c) for c in ("member", "exam", "date", "certificate_number") if c in header}
    members = _member_lookup(organization)
    exams = {e.code: e for e in Exam.objects.all()}
    existing = set(
        ExamPass.objects.filter(learner_id__in=set(members.values())).values_list("learner_id", "exam_id", "passed_on")
    )
    seen: dict[tuple[int, int, date], int] = {}
    report = ImportReport()
    creates: list[ExamPass] = []
    for cells in _rows(reader):
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) < len(header):
            raise ExamPassError(
                "",
                Message("has %(cells)s cells; the header has %(columns)s", cells=len(cells), columns=len(header)),
                line,
            )
        report.rows += 1
        if report.rows > IMPORT_MAX_ROWS:
            raise ExamPassError(
                "file", Message("more than %(limit)s rows; split the file", limit=IMPORT_MAX_ROWS), line
            )
        member = cells[index["member"]].strip()
        learner_id = members.get(member.lower()) or members.get(member)
        if learner_id is None:
            raise ExamPassError(
                "member",
                Message(
                    "%(member)s is not an active member of %(organization)s",
                    member=repr(member),
                    organization=organization.name,
                ),
                line,
            )
        try:
            passed_on = date.fromisoformat(cells[index["date"]].strip())
        except ValueError:
            raise ExamPassError(
                "date", Message("%(value)s is not a date (YYYY-MM-DD)", value=repr(cells[index["date"]].strip())), line
            ) from None
        certificate = cells[index["certificate_number"]].strip() if "certificate_number" in index else ""
        code = cells[index["exam"]].strip()
        if code not in exams:
            raise ExamPassError("exam", Message("%(code)s is not a known exam code", code=repr(code)), line)
        exam = _check_pass(code, passed_on, certificate, today, line)
        key = (learner_id, exam.pk, passed_on)
        if key in seen:
            raise ExamPassError("exam", Message("the same pass is on row %(row)s already", row=seen[key]), line)
        seen[key] = line
        if key in existing:
            report.already_recorded += 1
            continue
        creates.append(
            ExamPass(
                learner_id=learner_id,
                exam=exam,
                passed_on=passed_on,
                certificate_number=certificate,
                source=ExamPassSource.EMPLOYER,
                recorded_by=recorded_by,
                organization=organization,
            )
        )
    if report.rows == 0:
        raise ExamPassError("file", Message("has no data rows after the header"), 2)
    ExamPass.objects.bulk_create(creates)
    report.created = len(creates)
    learners = sorted({p.learner_id for p in creates})
    report.learners = len(learners)
    exam_evidence_sync(learner_ids=learners, today=today)
    audit_record(
        action=AuditAction.IMPORT,
        event="org.exam_results_import",
        object_type="learners.organization",
        object_id=organization.pk,
        organization_id=organization.pk,
        detail={"rows": report.rows, "created": report.created, "people": report.learners},
    )
    return report


def exam_passes_of(*, learner: LearnerProfile) -> list[dict[str, Any]]:
    """The learner's passes, newest first, with expiry and whether each is still evidence today."""
    today = timezone.localdate()
    out = []
    for p in ExamPass.objects.filter(learner=learner).select_related("exam").order_by("-passed_on", "pk"):
        expires = pass_expires_on(p.exam, p.passed_on)
        out.append(
            {
                "id": p.pk,
                "exam": p.exam.code,
                "exam_name_ja": p.exam.name_ja,
                "exam_name_en": p.exam.name_en,
                "passed_on": p.passed_on,
                "certificate_number": p.certificate_number,
                "source": p.source,
                "expires_on": expires,
                "valid": expires is None or today < expires,
                "mapping_estimated": True,
            }
        )
    estimated = set(
        ExamSkill.objects.filter(exam__code__in={r["exam"] for r in out}, is_estimated=True).values_list(
            "exam__code", flat=True
        )
    )
    for r in out:
        r["mapping_estimated"] = r["exam"] in estimated
    return out


# --- organizations: DX認定 / DXセレクション --------------------------------------------------------


@transaction.atomic
def organization_dx_update(
    *,
    organization: Organization,
    certified_on: date | None,
    certified_until: date | None,
    selection_year: int | None,
    actor: User | None = None,
) -> Organization:
    """Record the organization's DX認定 dates and DXセレクション year; raises ExamPassError naming the field."""
    if (certified_on is None) != (certified_until is None):
        raise ExamPassError(
            "dx_certified_until", Message("give both the date granted and the date valid until, or neither")
        )
    if certified_on and certified_until and certified_until <= certified_on:
        raise ExamPassError("dx_certified_until", Message("must be after the date granted"))
    if certified_on and certified_on > timezone.localdate():
        raise ExamPassError("dx_certified_on", Message("is in the future"))
    if certified_on and certified_on < date(2020, 11, 1):  # DX認定 started in November 2020
        raise ExamPassError("dx_certified_on", Message("is before DX認定 started (2020-11)"))
    if selection_year is not None and not 2020 <= selection_year <= timezone.localdate().year + 1:
        raise ExamPassError("dx_selection_year", Message("is not a DXセレクション year (2020 onwards)"))
    organization.dx_certified_on = certified_on
    organization.dx_certified_until = certified_until
    organization.dx_selection_year = selection_year
    organization.save(update_fields=["dx_certified_on", "dx_certified_until", "dx_selection_year"])
    return organization


def exam_passes_shared(*, learner_ids: list[int]) -> dict[int, list[dict[str, str]]]:
    """learner id -> [{exam, passed_on}] for the employer (call only with members who share their levels)."""
    out: dict[int, list[dict[str, str]]] = defaultdict(list)
    for learner_id, code, passed_on in (
        ExamPass.objects.filter(learner_id__in=learner_ids)
        .order_by("learner_id", "passed_on", "exam__position")
        .values_list("learner_id", "exam__code", "passed_on")
    ):
        out[learner_id].append({"exam": code, "passed_on": passed_on.isoformat()})
    return dict(out)
