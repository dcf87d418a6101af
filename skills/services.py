"""Writes to the standard: loading a fixture, loading the official matrix, choosing the current version."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record
from skills.dss_fixture import DssFixture, FixtureError, FixtureIssue, Record
from skills.dss_matrix import MatrixError, MatrixIssue, MatrixRow
from skills.models import (
    ImportanceGrade,
    LiteracyItem,
    LiteracySection,
    PersonaType,
    ProficiencyLevel,
    Role,
    RoleSkillRequirement,
    SkillCategory,
    SkillItem,
    SkillSubcategory,
    StandardVersion,
)


@dataclass
class SyncCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_official: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated


@dataclass
class LoadReport:
    version: str
    version_created: bool = False
    made_current: bool = False
    counts: dict[str, SyncCounts] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return sum(c.changed for c in self.counts.values()) + int(self.version_created)

    def lines(self) -> list[str]:
        out = []
        for name, c in self.counts.items():
            extra = f", kept official {c.kept_official}" if c.kept_official else ""
            out.append(f"{name:<24} created {c.created:>4}  updated {c.updated:>4}  unchanged {c.unchanged:>4}{extra}")
        return out


def _content_hash(fixture: DssFixture) -> str:
    canonical = json.dumps(fixture.raw, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _sync(
    model: type[Any],
    existing: dict[Any, Any],
    records: Iterable[Record],
    key: Callable[[Record], Any],
    values: Callable[[Record, int], dict[str, Any]],
    new: Callable[[dict[str, Any]], models.Model],
) -> tuple[SyncCounts, dict[Any, Any]]:
    """Create missing rows, update changed ones, leave equal ones untouched."""
    counts = SyncCounts()
    to_create: list[models.Model] = []
    to_update: list[models.Model] = []
    fields: set[str] = set()
    for position, record in enumerate(records):
        wanted = values(record, position)
        obj = existing.get(key(record))
        if obj is None:
            obj = new(wanted)
            to_create.append(obj)
            existing[key(record)] = obj
            continue
        diff = {name: value for name, value in wanted.items() if getattr(obj, name) != value}
        if diff:
            for name, value in diff.items():
                setattr(obj, name, value)
            fields.update(diff)
            to_update.append(obj)
        else:
            counts.unchanged += 1
    if to_create:
        model.objects.bulk_create(to_create)
        counts.created = len(to_create)
    if to_update:
        model.objects.bulk_update(to_update, sorted(fields))
        counts.updated = len(to_update)
    return counts, existing


def _by_code(queryset: models.QuerySet[Any]) -> dict[Any, Any]:
    return {obj.code: obj for obj in queryset}


def _refuse_removals(version: StandardVersion, fixture: DssFixture) -> None:
    """A loaded version only grows or gets corrected; dropping codes needs a new version."""
    checks: list[tuple[str, models.QuerySet[Any], list[Record]]] = [
        ("persona_types", PersonaType.objects.filter(version=version), fixture.persona_types),
        ("roles", Role.objects.filter(version=version), fixture.roles),
        ("skill_categories", SkillCategory.objects.filter(version=version), fixture.skill_categories),
        ("skill_subcategories", SkillSubcategory.objects.filter(version=version), fixture.skill_subcategories),
        ("skill_items", SkillItem.objects.filter(version=version), fixture.skill_items),
        ("literacy_sections", LiteracySection.objects.filter(version=version), fixture.literacy_sections),
        ("literacy_items", LiteracyItem.objects.filter(version=version), fixture.literacy_items),
    ]
    issues = []
    for section, queryset, records in checks:
        gone = sorted(set(queryset.values_list("code", flat=True)) - {r["code"] for r in records})
        if gone:
            issues.append(
                FixtureIssue(
                    section,
                    "code",
                    f"{', '.join(gone)} already loaded for version {version.code!r} but missing from the file; "
                    "a loaded version keeps its codes: give the changed standard a new version code",
                )
            )
    if issues:
        raise FixtureError(fixture.source, issues)


@transaction.atomic
def standard_load(*, fixture: DssFixture, make_current: bool | None = None) -> LoadReport:
    """Upsert a validated fixture into the database.

    Idempotent: loading the same fixture twice changes nothing the second time.
    Official grades (is_estimated=False) are never replaced by estimated ones.
    All-or-nothing: any error rolls the whole load back.  `make_current=None`
    makes the version current only when no version is current yet.
    """
    header = fixture.standard
    try:
        with transaction.atomic():
            version, created = StandardVersion.objects.get_or_create(
                code=header["code"],
                defaults={"name_ja": header["name_ja"], "name_en": header["name_en"]},
            )
    except IntegrityError:
        # Another loader created it concurrently; use theirs.
        version, created = StandardVersion.objects.get(code=header["code"]), False
    # Serialise concurrent loads of the same version.
    version = StandardVersion.objects.select_for_update().get(pk=version.pk)
    report = LoadReport(version=version.code, version_created=created)
    if not created:
        _refuse_removals(version, fixture)

    content_hash = _content_hash(fixture)
    wanted_header = {
        "name_ja": header["name_ja"],
        "name_en": header["name_en"],
        "published_on": header["published_on"],
        "source": header["source"],
        "notes": header["notes"],
        "content_hash": content_hash,
    }
    header_diff = {k: v for k, v in wanted_header.items() if getattr(version, k) != v}
    if header_diff:
        for k, v in header_diff.items():
            setattr(version, k, v)
        version.save(update_fields=[*header_diff, "updated_at"])

    report.counts["proficiency_levels"], _ = _sync(
        ProficiencyLevel,
        {obj.level: obj for obj in ProficiencyLevel.objects.filter(version=version)},
        fixture.proficiency_levels,
        key=lambda r: r["level"],
        values=lambda r, _p: {"level": r["level"], "label_ja": r["label_ja"], "label_en": r["label_en"]},
        new=lambda v: ProficiencyLevel(version=version, **v),
    )
    report.counts["importance_grades"], _ = _sync(
        ImportanceGrade,
        _by_code(ImportanceGrade.objects.filter(version=version)),
        fixture.importance_grades,
        key=lambda r: r["code"],
        values=lambda r, _p: {
            "code": r["code"],
            "label_ja": r["label_ja"],
            "label_en": r["label_en"],
            "target_proficiency": r["target_proficiency"],
        },
        new=lambda v: ImportanceGrade(version=version, **v),
    )

    def named(r: Record, position: int, *extra: str) -> dict[str, Any]:
        out = {"code": r["code"], "name_ja": r["name_ja"], "name_en": r["name_en"], "position": position}
        out.update({name: r[name] for name in extra})
        return out

    report.counts["persona_types"], personas = _sync(
        PersonaType,
        _by_code(PersonaType.objects.filter(version=version)),
        fixture.persona_types,
        key=lambda r: r["code"],
        values=lambda r, p: named(r, p, "summary_ja", "summary_en"),
        new=lambda v: PersonaType(version=version, **v),
    )
    report.counts["roles"], roles = _sync(
        Role,
        _by_code(Role.objects.filter(version=version)),
        fixture.roles,
        key=lambda r: r["code"],
        values=lambda r, p: {**named(r, p, "summary_ja", "summary_en"), "persona_type": personas[r["persona"]]},
        new=lambda v: Role(version=version, **v),
    )
    report.counts["skill_categories"], categories = _sync(
        SkillCategory,
        _by_code(SkillCategory.objects.filter(version=version)),
        fixture.skill_categories,
        key=lambda r: r["code"],
        values=lambda r, p: named(r, p, "name_verified"),
        new=lambda v: SkillCategory(version=version, **v),
    )
    report.counts["skill_subcategories"], subcategories = _sync(
        SkillSubcategory,
        _by_code(SkillSubcategory.objects.filter(version=version)),
        fixture.skill_subcategories,
        key=lambda r: r["code"],
        values=lambda r, p: {**named(r, p), "category": categories[r["category"]]},
        new=lambda v: SkillSubcategory(version=version, **v),
    )
    report.counts["skill_items"], items = _sync(
        SkillItem,
        _by_code(SkillItem.objects.filter(version=version)),
        fixture.skill_items,
        key=lambda r: r["code"],
        values=lambda r, p: {
            **named(r, p, "definition_ja", "definition_en", "topics_ja", "topics_en"),
            "subcategory": subcategories[r["subcategory"]],
        },
        new=lambda v: SkillItem(version=version, **v),
    )
    report.counts["literacy_sections"], sections = _sync(
        LiteracySection,
        _by_code(LiteracySection.objects.filter(version=version)),
        fixture.literacy_sections,
        key=lambda r: r["code"],
        values=lambda r, p: named(r, p),
        new=lambda v: LiteracySection(version=version, **v),
    )
    report.counts["literacy_items"], _ = _sync(
        LiteracyItem,
        _by_code(LiteracyItem.objects.filter(version=version)),
        fixture.literacy_items,
        key=lambda r: r["code"],
        values=lambda r, p: {
            **named(r, p, "group_ja", "group_en", "topics_ja", "topics_en"),
            "section": sections[r["section"]],
        },
        new=lambda v: LiteracyItem(version=version, **v),
    )
    report.counts["role_skill_requirements"] = _sync_requirements(fixture, roles, items, version)

    if make_current or (make_current is None and not StandardVersion.objects.filter(is_current=True).exists()):
        report.made_current = not version.is_current
        standard_set_current(version=version)
    if report.changed:  # an up-to-date load writes nothing at all
        audit_record(
            action=AuditAction.IMPORT,
            event="standard.load",
            object_type="skills.standardversion",
            object_id=version.code,
            detail={"changed": report.changed},
        )
    return report


def _sync_requirements(
    fixture: DssFixture, roles: dict[str, Role], items: dict[str, SkillItem], version: StandardVersion
) -> SyncCounts:
    counts = SyncCounts()
    existing = {
        (req.role_id, req.skill_item_id): req for req in RoleSkillRequirement.objects.filter(role__version=version)
    }
    source = f"fixture:{version.code}"
    now = timezone.now()
    to_create, to_update = [], []
    for record in fixture.role_skill_requirements:
        role, item = roles[record["role"]], items[record["skill"]]
        current = existing.get((role.pk, item.pk))
        if current is None:
            to_create.append(
                RoleSkillRequirement(
                    role=role,
                    skill_item=item,
                    grade=record["grade"],
                    is_estimated=record["is_estimated"],
                    source=source,
                )
            )
            continue
        if not current.is_estimated and record["is_estimated"]:
            # An official grade loaded by an operator outranks the file's estimate.
            counts.kept_official += 1
            continue
        if current.grade != record["grade"] or current.is_estimated != record["is_estimated"]:
            current.grade, current.is_estimated = record["grade"], record["is_estimated"]
            current.source, current.updated_at = source, now
            to_update.append(current)
        else:
            counts.unchanged += 1
    RoleSkillRequirement.objects.bulk_create(to_create)
    RoleSkillRequirement.objects.bulk_update(to_update, ["grade", "is_estimated", "source", "updated_at"])
    counts.created, counts.updated = len(to_create), len(to_update)
    return counts


@transaction.atomic
def standard_set_current(*, version: StandardVersion) -> StandardVersion:
    """Make `version` the one the product uses by default (exactly one is current)."""
    StandardVersion.objects.filter(is_current=True).exclude(pk=version.pk).update(is_current=False)
    if not version.is_current:
        version.is_current = True
        version.save(update_fields=["is_current", "updated_at"])
    return version


@dataclass
class MatrixReport:
    version: str
    cells: int = 0
    changed: int = 0
    unchanged: int = 0
    still_estimated: int = 0


@transaction.atomic
def requirement_matrix_load(*, version: StandardVersion, rows: list[MatrixRow], source: str) -> MatrixReport:
    """Set official grades from a matrix and clear `is_estimated` for those cells.

    All-or-nothing: if any row names an unknown role or skill item, nothing changes.
    Idempotent: loading the same matrix again changes nothing.
    """
    roles = {r.code: r.pk for r in Role.objects.filter(version=version)}
    items = {i.code: i.pk for i in SkillItem.objects.filter(version=version)}
    issues = []
    for row in rows:
        if row.role_code not in roles:
            issues.append(MatrixIssue(row.line, "role_code", f"{row.role_code!r} is not a role of {version.code}"))
        if row.skill_code not in items:
            issues.append(
                MatrixIssue(row.line, "skill_code", f"{row.skill_code!r} is not a skill item of {version.code}")
            )
    if issues:
        raise MatrixError(source, issues)

    existing = {
        (req.role_id, req.skill_item_id): req
        for req in RoleSkillRequirement.objects.select_for_update().filter(role__version=version)
    }
    report = MatrixReport(version=version.code, cells=len(rows))
    now = timezone.now()
    to_create, to_update = [], []
    label = f"official-matrix:{source}"[:200]
    for row in rows:
        key = (roles[row.role_code], items[row.skill_code])
        current = existing.get(key)
        if current is None:
            to_create.append(
                RoleSkillRequirement(
                    role_id=key[0], skill_item_id=key[1], grade=row.grade, is_estimated=False, source=label
                )
            )
        elif current.grade != row.grade or current.is_estimated:
            current.grade, current.is_estimated, current.source, current.updated_at = row.grade, False, label, now
            to_update.append(current)
        else:
            report.unchanged += 1
    RoleSkillRequirement.objects.bulk_create(to_create)
    RoleSkillRequirement.objects.bulk_update(to_update, ["grade", "is_estimated", "source", "updated_at"])
    report.changed = len(to_create) + len(to_update)
    report.still_estimated = RoleSkillRequirement.objects.filter(role__version=version, is_estimated=True).count()
    audit_record(
        action=AuditAction.IMPORT,
        event="standard.matrix_load",
        object_type="skills.standardversion",
        object_id=version.code,
        detail={"cells": report.cells, "changed": report.changed, "source": source[:200]},
    )
    return report
