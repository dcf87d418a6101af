"""Writes for exams and the exam → DSS-P item map (docs/exams.md).  All-or-nothing, idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from audit.models import AuditAction
from audit.services import audit_record
from skills.dss_matrix import MatrixError, MatrixIssue
from skills.exam_map import ExamRecord, MapRow
from skills.models import Exam, ExamSkill, SkillItem, StandardVersion
from skills.signals import exam_map_changed


@transaction.atomic
def exams_load(*, records: list[ExamRecord]) -> int:
    """Upsert exams by code; returns how many were created or changed (0 when loaded twice)."""
    existing = {e.code: e for e in Exam.objects.select_for_update()}
    changed = 0
    for record in records:
        values = {
            "name_ja": record.name_ja,
            "name_en": record.name_en,
            "issuer": record.issuer,
            "level": record.level,
            "level_is_estimated": record.level_is_estimated,
            "first_held_on": record.first_held_on,
            "valid_years": record.valid_years,
            "position": record.position,
        }
        exam = existing.get(record.code)
        if exam is None:
            Exam.objects.create(code=record.code, **values)
            changed += 1
        elif any(getattr(exam, k) != v for k, v in values.items()):
            Exam.objects.filter(pk=exam.pk).update(**values)
            changed += 1
    return changed


@dataclass
class ExamMapReport:
    version: str
    rows: int = 0
    created: int = 0
    changed: int = 0
    removed: int = 0
    estimated: int = 0


@transaction.atomic
def exam_map_load(*, version: StandardVersion, rows: list[MapRow], source: str) -> ExamMapReport:
    """Replace the whole exam → item map of `version` with `rows`.

    All-or-nothing: an unknown exam or skill code (or a row naming an exam the map gives no item
    otherwise) leaves the stored map as it was.  Idempotent: the same file twice changes nothing.
    Learners' exam evidence is recomputed in the same transaction (`exam_map_changed`)."""
    exams = dict(Exam.objects.values_list("code", "pk"))
    items = dict(SkillItem.objects.filter(version=version).values_list("code", "pk"))
    issues = []
    for row in rows:
        if row.exam_code not in exams:
            issues.append(MatrixIssue(row.line, "exam_code", f"{row.exam_code!r} is not a known exam"))
        if row.skill_code not in items:
            issues.append(
                MatrixIssue(row.line, "skill_code", f"{row.skill_code!r} is not a skill item of {version.code}")
            )
    if issues:
        raise MatrixError(source, issues)
    existing = {
        (m.exam_id, m.skill_item_id): m
        for m in ExamSkill.objects.select_for_update().filter(skill_item__version=version)
    }
    report = ExamMapReport(version=version.code, rows=len(rows))
    label = f"exam-map:{source}"[:200]
    wanted: set[tuple[int, int]] = set()
    touched: set[int] = set()
    for row in rows:
        key = (exams[row.exam_code], items[row.skill_code])
        wanted.add(key)
        current = existing.get(key)
        if current is None:
            ExamSkill.objects.create(
                exam_id=key[0],
                skill_item_id=key[1],
                level=row.level,
                is_estimated=row.estimated,
                rationale=row.rationale,
                source=label,
            )
            report.created += 1
            touched.add(key[0])
        elif (current.level, current.is_estimated, current.rationale) != (row.level, row.estimated, row.rationale):
            current.level, current.is_estimated, current.rationale, current.source = (
                row.level,
                row.estimated,
                row.rationale,
                label,
            )
            current.save(update_fields=["level", "is_estimated", "rationale", "source"])
            report.changed += 1
            touched.add(key[0])
    gone = [m.pk for key, m in existing.items() if key not in wanted]
    touched |= {key[0] for key in existing if key not in wanted}
    ExamSkill.objects.filter(pk__in=gone).delete()
    report.removed = len(gone)
    report.estimated = ExamSkill.objects.filter(skill_item__version=version, is_estimated=True).count()
    if touched:
        exam_map_changed.send(sender=ExamSkill, exam_ids=sorted(touched))
    audit_record(
        action=AuditAction.IMPORT,
        event="skills.exam_map_load",
        object_type="skills.standardversion",
        object_id=version.code,
        detail={"rows": report.rows, "created": report.created, "changed": report.changed, "source": source[:200]},
    )
    return report
