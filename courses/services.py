"""Writes to the catalog: imports, tag proposals and reviews, prerequisites, the catalog version.

Row-by-row saves bump the catalog version through signals (courses/signals.py);
bulk writes here bump it once per call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from audit.models import AuditAction
from audit.services import FROM_REQUEST, audit_record
from common.input_checks import InputError, json_loads
from common.messages import Message, message_dump
from common.middleware import DATABASE_ERRORS
from common.queue import enqueue_on_commit
from common.reference import PREFECTURES
from courses.bulk import CatalogWriter, catalog_writer
from courses.catalog_format import (
    CatalogFileError,
    CourseRow,
    ParseResult,
    RowIssue,
    Vocabulary,
    parse_catalog,
)
from courses.models import (
    CatalogImportJob,
    CatalogState,
    Course,
    CourseItemEffect,
    CourseLiteracy,
    CourseSkill,
    CourseStatus,
    ImportRun,
    Provider,
    ProviderKind,
    ReviewStatus,
    TagSource,
)
from courses.signals import catalog_version_changed, course_tags_reviewed, courses_imported
from skills.models import LiteracyItem, LiteracySection, SkillItem, StandardVersion
from skills.selectors import standard_version_get

# --- catalog version ---------------------------------------------------------------------


def catalog_version_bump() -> int:
    """Increase the catalog version by one (inside the caller's transaction) and return it."""
    CatalogState.objects.get_or_create(pk=1)
    CatalogState.objects.filter(pk=1).update(version=F("version") + 1, changed_at=timezone.now())
    version = int(CatalogState.objects.values_list("version", flat=True).get(pk=1))
    catalog_version_changed.send(sender=CatalogState, version=version)
    return version


# --- providers ---------------------------------------------------------------------------


def _guess_kind(name: str) -> str:
    if "大学" in name or "University" in name or "College" in name:
        return ProviderKind.UNIVERSITY
    if any(w in name for w in ("NPO", "一般社団法人", "公益", "財団", "協会", "Association", "Foundation")):
        return ProviderKind.NONPROFIT
    if any(w in name for w in ("独立行政法人", "県", "市", "機構", "Agency", "Prefectur", "City")):
        return ProviderKind.PUBLIC_BODY
    return ProviderKind.COMPANY


@transaction.atomic
@transaction.atomic
def providers_load(*, records: Sequence[dict[str, Any]]) -> tuple[int, int]:
    """Upsert providers by Japanese name from dicts with name_ja, name_en, kind, website.

    All or nothing, written in bulk, and the catalog version is bumped once when anything changed (one
    `catalog_version_changed`, not one per provider).  Idempotent; returns (created, updated).  A record
    without a Japanese name, or with an unknown kind or a bad corporate number, is an InputError naming
    its row and field."""
    fields = ("name_en", "kind", "website", "corporate_number")
    wanted: dict[str, dict[str, str]] = {}
    for row, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise InputError([(f"row {row}", "a provider must be an object")])
        name = record.get("name_ja")
        if not isinstance(name, str) or not name.strip():
            raise InputError([(f"row {row}: name_ja", "required")])
        too_long = [k for k in ("name_ja", "name_en") if len(str(record.get(k) or "")) > 200]
        if too_long:
            raise InputError([(f"row {row}: {too_long[0]}", "at most 200 characters")])
        defaults = {k: str(record.get(k) or "") for k in fields}
        defaults["kind"] = defaults["kind"] or _guess_kind(name)
        if defaults["kind"] not in ProviderKind.values:
            raise InputError([(f"row {row}: kind", f"not one of {', '.join(ProviderKind.values)}")])
        number = defaults["corporate_number"]
        if number and not (len(number) == 13 and number.isascii() and number.isdigit()):
            raise InputError([(f"row {row}: corporate_number", "13 digits")])
        wanted[name] = defaults  # a name given twice: the last record wins, as row-by-row upserts did
    existing = {p.name_ja: p for p in Provider.objects.select_for_update().filter(name_ja__in=list(wanted))}
    new: list[Provider] = []
    changed: list[Provider] = []
    now = timezone.now()
    for name, defaults in wanted.items():
        provider = existing.get(name)
        if provider is None:
            new.append(Provider(name_ja=name, **defaults))
            continue
        diff = {k: v for k, v in defaults.items() if getattr(provider, k) != v}
        if diff:
            for k, v in diff.items():
                setattr(provider, k, v)
            provider.updated_at = now
            changed.append(provider)
    Provider.objects.bulk_create(new)  # bulk writes send no post_save: one bump below
    Provider.objects.bulk_update(changed, [*fields, "updated_at"])
    if new or changed:
        catalog_version_bump()
    return len(new), len(changed)


def _provider_index() -> dict[str, Provider]:
    index: dict[str, Provider] = {}
    for provider in Provider.objects.all():
        if provider.name_en:
            index.setdefault(provider.name_en, provider)
        index[provider.name_ja] = provider
    return index


# --- import ------------------------------------------------------------------------------


def catalog_vocabulary(*, version: StandardVersion | None = None) -> Vocabulary:
    """The skill and literacy codes of the (current) standard, and the prefecture codes."""
    version = version or standard_version_get()
    return Vocabulary(
        skill_codes=frozenset(SkillItem.objects.filter(version=version).values_list("code", flat=True)),
        literacy_item_codes=frozenset(LiteracyItem.objects.filter(version=version).values_list("code", flat=True)),
        literacy_section_codes=frozenset(
            LiteracySection.objects.filter(version=version).values_list("code", flat=True)
        ),
        prefecture_codes=frozenset(PREFECTURES),
    )


@dataclass
class ImportReport:
    run: ImportRun
    issues: list[RowIssue] = field(default_factory=list)
    created_ids: list[int] = field(default_factory=list)
    updated_ids: list[int] = field(default_factory=list)

    @property
    def stored(self) -> bool:
        return self.run.outcome != ImportRun.Outcome.REJECTED


def _course_values(row: CourseRow) -> dict[str, Any]:
    return {
        "title_ja": row.title_ja,
        "title_en": row.title_en,
        "description_ja": row.description_ja,
        "description_en": row.description_en,
        "url": row.url,
        "level": row.level,
        "hours": row.hours,
        "price_jpy": row.price_jpy,
        "format": row.format,
        "language": row.language,
        "prefecture": row.prefecture,
        "reskill_certified": row.reskill_certified,
        "training_benefit_eligible": row.training_benefit_eligible,
        "needs_skill_inference": not row.skills,
    }


def catalog_import(
    *,
    data: bytes,
    filename: str = "",
    partial: bool = False,
    actor: User | AnonymousUser | None = None,
    allowed_provider_ids: set[int] | None = None,
    on_checked: Callable[[int], None] | None = None,
    on_done: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Import a catalog file (JSON or CSV; docs/catalog-format.md).

    Upserts by (provider, code), so importing the same file twice changes nothing.
    All-or-nothing unless `partial`: then valid rows are stored and the rest reported.
    `allowed_provider_ids` limits a provider account to its own providers (None: any,
    and unknown providers are created from their name).  Every run is recorded.
    `on_checked(rows)` is called once the file is read and checked, before anything is written
    (outside the import's transaction: an import job shows it as progress); `on_done(report)` inside
    the transaction that records the run, so what it writes commits with the import or not at all.
    """
    try:
        parsed = parse_catalog(data, filename=filename, vocab=catalog_vocabulary())
    except CatalogFileError as exc:
        with transaction.atomic():
            report = _record_rejected(exc.issues, filename, "", 0, partial, actor)
            if on_done is not None:
                on_done(report)
            return report

    providers = _provider_index()
    if allowed_provider_ids is not None:
        _restrict_to_own_providers(parsed, providers, allowed_provider_ids)
    if on_checked is not None:
        on_checked(parsed.total)
    with transaction.atomic():
        if parsed.issues and not partial:
            report = _record_rejected(parsed.issues, filename, parsed.file_format, parsed.total, partial, actor)
        else:
            report = _store(parsed, providers, filename, partial, actor)
        if on_done is not None:
            on_done(report)
        return report


# --- import jobs: an upload imported by a Celery task, with progress (docs/catalog-format.md) ------------

JOB_RESULT_LIMIT = 500  # courses listed per kind on the result page; the counts are always complete
JOB_PROBLEM_LIMIT = 1000  # problems kept translatable on the job; the import run keeps all of them (English)

logger = logging.getLogger(__name__)


def catalog_import_job_create(*, uploader: User, data: bytes, filename: str, partial: bool) -> CatalogImportJob:
    """Keep an uploaded file in a job row and queue its import after the commit (eager in development)."""
    from courses.tasks import catalog_import_job_task  # tasks import this module

    with transaction.atomic():
        job = CatalogImportJob.objects.create(uploader=uploader, filename=filename[:255], data=data, partial=partial)
        enqueue_on_commit(catalog_import_job_task, job_id=job.pk)
    return job


def _course_summaries(ids: Sequence[int]) -> list[dict[str, Any]]:
    wanted = list(ids[:JOB_RESULT_LIMIT])
    rows = Course.objects.filter(pk__in=wanted).values("pk", "code", "title_ja", "title_en")
    return sorted(
        ({"id": r["pk"], "code": r["code"], "title_ja": r["title_ja"], "title_en": r["title_en"]} for r in rows),
        key=lambda r: r["code"],
    )


def catalog_import_job_run(*, job_id: int) -> CatalogImportJob | None:
    """Run a job's import.  Idempotent: a finished job is left as it is; a job whose worker died midway
    runs again, and since the import and the job's result commit together (all or nothing, upsert by
    provider and code) nothing is stored twice.  Returns the job, or None when it does not exist."""
    with transaction.atomic():
        job = CatalogImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.finished:
            return job
        job.status, job.stage = CatalogImportJob.Status.RUNNING, CatalogImportJob.Stage.READING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "stage", "started_at"])
    uploader = job.uploader
    allowed = None if uploader.is_staff else set(Provider.objects.filter(members=uploader).values_list("pk", flat=True))

    def checked(rows: int) -> None:  # committed at once, so the job page shows it while the rows are stored
        CatalogImportJob.objects.filter(pk=job_id).update(stage=CatalogImportJob.Stage.STORING, rows_total=rows)

    def done(report: ImportReport) -> None:  # inside the import's transaction
        run = report.run
        CatalogImportJob.objects.filter(pk=job_id).update(
            status=CatalogImportJob.Status.DONE,
            stage=CatalogImportJob.Stage.FINISHED,
            rows_total=run.rows,
            rows_done=run.rows,
            import_run=run,
            result={
                "created": _course_summaries(report.created_ids),
                "updated": _course_summaries(report.updated_ids),
                # Messages with their msgid and parameters, so the job page shows them in the viewer's language.
                "problems": [
                    {"row": i.row, "field": i.field, "code": i.code, "message": message_dump(i.message)}
                    for i in report.issues[:JOB_PROBLEM_LIMIT]
                ],
            },
            data=b"",  # the file is not needed any more: the run keeps every problem
            finished_at=timezone.now(),
        )

    try:
        catalog_import(
            data=bytes(job.data),
            filename=job.filename,
            partial=job.partial,
            actor=uploader,
            allowed_provider_ids=allowed,
            on_checked=checked,
            on_done=done,
        )
    except DATABASE_ERRORS:
        # A lost database: the task fails, its durable intent stays (TASK_INTENTS) and the sweep sends it
        # again; this run is then repeated from the start (eager in development: the request answers 503).
        raise
    except Exception:  # an unexpected failure: the import stored nothing; the job page says so
        logger.exception("catalog import job %s failed", job_id)
        CatalogImportJob.objects.filter(pk=job_id).update(
            status=CatalogImportJob.Status.FAILED,
            stage=CatalogImportJob.Stage.FINISHED,
            rows_done=0,
            error="the import failed unexpectedly; nothing was stored",
            finished_at=timezone.now(),
        )
    return CatalogImportJob.objects.get(pk=job_id)


def _restrict_to_own_providers(parsed: ParseResult, providers: dict[str, Provider], allowed: set[int]) -> None:
    kept = []
    for row in parsed.rows:
        provider = providers.get(row.provider)
        if provider is None or provider.pk not in allowed:
            parsed.issues.append(
                RowIssue(
                    row.row,
                    "provider",
                    Message("your account does not act for provider %(provider)s", provider=repr(row.provider)),
                    row.code,
                )
            )
        else:
            kept.append(row)
    parsed.rows = kept
    parsed.issues.sort(key=lambda i: (i.row, i.field))


def _record_rejected(
    issues: list[RowIssue],
    filename: str,
    file_format: str,
    total: int,
    partial: bool,
    actor: User | AnonymousUser | None,
) -> ImportReport:
    run = ImportRun.objects.create(
        actor=actor if isinstance(actor, User) else None,
        filename=filename[:255],
        file_format=file_format,
        partial=partial,
        outcome=ImportRun.Outcome.REJECTED,
        rows=total,
        rejected=len({i.row for i in issues}) if total else 0,
        problems=[i.as_dict() for i in issues],
        catalog_version=catalog_version_current(),
    )
    _audit_import(run, actor)
    return ImportReport(run=run, issues=issues)


def _audit_import(run: ImportRun, actor: User | AnonymousUser | None) -> None:
    audit_record(
        action=AuditAction.IMPORT,
        event="catalog.import",
        actor=actor if actor is not None else FROM_REQUEST,
        object_type="courses.importrun",
        object_id=run.pk,
        detail={
            "outcome": run.outcome,
            "format": run.file_format,
            "rows": run.rows,
            "created": run.created,
            "updated": run.updated,
            "rejected": run.rejected,
        },
    )


def _store(
    parsed: ParseResult,
    providers: dict[str, Provider],
    filename: str,
    partial: bool,
    actor: User | AnonymousUser | None,
) -> ImportReport:
    # Providers named in the file but unknown are created from their name.
    for name in sorted({r.provider for r in parsed.rows} - set(providers)):
        providers[name] = Provider.objects.create(
            name_ja=name, name_en=name if name.isascii() else "", kind=_guess_kind(name)
        )
    version = standard_version_get()
    skill_ids = dict(SkillItem.objects.filter(version=version).values_list("code", "pk"))
    literacy_item_ids = dict(LiteracyItem.objects.filter(version=version).values_list("code", "pk"))
    section_ids = dict(LiteracySection.objects.filter(version=version).values_list("code", "pk"))
    writer = catalog_writer()
    now = timezone.now()

    def key_of(row: CourseRow) -> tuple[int, str]:
        return (providers[row.provider].pk, row.code)

    provider_ids = {providers[r.provider].pk for r in parsed.rows}
    existing: dict[tuple[int, str], tuple[Any, ...]] = {
        (values[1], values[2]): values
        for values in Course.objects.filter(provider_id__in=provider_ids).values_list(
            "id", "provider_id", "code", *_COMPARE_FIELDS
        )
    }
    new_rows: list[dict[str, Any]] = []
    changed_rows: list[dict[str, Any]] = []
    changed_fields: set[str] = set()
    course_id_for_row: dict[int, int] = {}
    for row in parsed.rows:
        provider = providers[row.provider]
        wanted = _course_values(row)
        current = existing.get((provider.pk, row.code))
        if current is None:
            new_rows.append(
                {
                    "provider_id": provider.pk,
                    "code": row.code,
                    "learning_outcomes": [],
                    "on_demand": True,
                    "starts_on": None,
                    "ends_on": None,
                    "status": CourseStatus.PUBLISHED,
                    "created_at": now,
                    "updated_at": now,
                    **wanted,
                }
            )
            continue
        course_id_for_row[row.row] = current[0]
        diff = {
            name: wanted[name]
            for name, value in zip(_COMPARE_FIELDS, current[3:], strict=True)
            if _differs(value, wanted[name])
        }
        if diff:
            changed_fields.update(diff)
            changed_rows.append({"id": current[0], **wanted, "updated_at": now})

    writer.insert_courses(new_rows)
    if new_rows:
        new_keys = {(r["provider_id"], r["code"]) for r in new_rows}
        ids = {
            (pid, code): pk
            for pk, pid, code in Course.objects.filter(provider_id__in=provider_ids).values_list(
                "id", "provider_id", "code"
            )
            if (pid, code) in new_keys
        }
        for row in parsed.rows:
            course_id_for_row.setdefault(row.row, ids.get(key_of(row), 0))
    writer.update_courses(changed_rows, [*sorted(changed_fields), "updated_at"] if changed_rows else [])

    new_ids = {course_id_for_row[r.row] for r in parsed.rows if key_of(r) not in existing}
    scope = Q(course__provider_id__in=provider_ids)
    tag_changed = _sync_skill_tags(parsed.rows, course_id_for_row, skill_ids, writer, new_ids, scope)
    literacy_changed = _sync_literacy(
        parsed.rows, course_id_for_row, literacy_item_ids, section_ids, writer, new_ids, scope
    )

    created = len(new_rows)
    updated_ids = ({r["id"] for r in changed_rows} | tag_changed | literacy_changed) - new_ids
    updated = len(updated_ids)
    # Courses whose row changed got their new updated_at with it; those whose tags alone changed get it here.
    for chunk in _chunks(sorted(updated_ids - {r["id"] for r in changed_rows})):
        Course.objects.filter(pk__in=chunk).update(updated_at=now)
    unchanged = len(parsed.rows) - created - updated
    rejected_rows = len(parsed.rejected_rows)
    catalog_version = catalog_version_bump() if (created or updated) else catalog_version_current()
    run = ImportRun.objects.create(
        actor=actor if isinstance(actor, User) else None,
        filename=filename[:255],
        file_format=parsed.file_format,
        partial=partial,
        outcome=ImportRun.Outcome.PARTIAL if rejected_rows else ImportRun.Outcome.STORED,
        rows=parsed.total,
        created=created,
        updated=updated,
        unchanged=unchanged,
        rejected=rejected_rows,
        problems=[i.as_dict() for i in parsed.issues],
        catalog_version=catalog_version,
    )
    _audit_import(run, actor)
    needing = sorted({course_id_for_row[r.row] for r in parsed.rows if not r.skills} & (new_ids | updated_ids))
    if needing:
        courses_imported.send(sender=ImportRun, course_ids=needing)  # recommender/receivers.py infers tags
    # A changed catalog bumped the version above: catalog_version_changed refreshes the stale plans.
    return ImportReport(run=run, issues=parsed.issues, created_ids=sorted(new_ids), updated_ids=sorted(updated_ids))


_COMPARE_FIELDS: tuple[str, ...] = (
    "title_ja",
    "title_en",
    "description_ja",
    "description_en",
    "url",
    "level",
    "hours",
    "price_jpy",
    "format",
    "language",
    "prefecture",
    "reskill_certified",
    "training_benefit_eligible",
    "needs_skill_inference",
)


def _differs(current: Any, wanted: Any) -> bool:
    if isinstance(wanted, Decimal):
        return Decimal(current) != wanted
    return bool(current != wanted)


class _Tag(NamedTuple):
    pk: int
    course_id: int
    skill_item_id: int
    source: str
    review_status: str
    confidence: float
    level: int
    position: int


def _sync_skill_tags(
    rows: list[CourseRow],
    course_id_for_row: dict[int, int],
    skill_ids: dict[str, int],
    writer: CatalogWriter,
    new_ids: set[int],
    scope: Q,
) -> set[int]:
    """Make each course's declared tags equal the file's `skills`; keep inferred and reviewed ones."""
    existing: dict[int, dict[int, _Tag]] = {}
    old_ids = {course_id_for_row[r.row] for r in rows} - new_ids
    # Plain tuples, not model instances: a re-import reads every tag of the providers it touches.
    tag_rows = (
        CourseSkill.objects.filter(scope).values_list(
            "pk", "course_id", "skill_item_id", "source", "review_status", "confidence", "level", "position"
        )
        if old_ids
        else []
    )
    for values in tag_rows:
        if values[1] in old_ids:
            existing.setdefault(values[1], {})[values[2]] = _Tag(*values)
    to_create: list[dict[str, Any]] = []
    to_update: list[CourseSkill] = []  # built only for the tags that change
    to_delete: list[int] = []
    changed: set[int] = set()
    declared = (TagSource.DECLARED, ReviewStatus.ACCEPTED, 1.0)
    for row in rows:
        course_id = course_id_for_row[row.row]
        current = existing.get(course_id, {})
        wanted = {skill_ids[code]: (level, position) for position, (code, level) in enumerate(row.skills)}
        for item_id, (level, position) in wanted.items():
            found = current.get(item_id)
            if found is None:
                to_create.append(
                    {
                        "course_id": course_id,
                        "skill_item_id": item_id,
                        "level": level,
                        "position": position,
                        "source": TagSource.DECLARED,
                        "confidence": 1.0,
                        "review_status": ReviewStatus.ACCEPTED,
                        "reviewer_id": None,
                        "reviewed_at": None,
                        "evidence": [],
                    }
                )
                changed.add(course_id)
            elif (found.source, found.review_status, found.confidence, found.level, found.position) != (
                *declared,
                level,
                position,
            ):
                source, review_status, confidence = declared
                to_update.append(
                    CourseSkill(
                        pk=found.pk,
                        source=source,
                        review_status=review_status,
                        confidence=confidence,
                        level=level,
                        position=position,
                    )
                )
                changed.add(course_id)
        for item_id, tag in current.items():
            if tag.source == TagSource.DECLARED and item_id not in wanted:
                to_delete.append(tag.pk)
                changed.add(course_id)
    for chunk in _chunks(to_delete):
        CourseSkill.objects.filter(pk__in=chunk).delete()
    writer.insert_tags(to_create)
    if to_update:
        CourseSkill.objects.bulk_update(
            to_update, ["source", "level", "position", "review_status", "confidence"], batch_size=1000
        )
    return changed


def _sync_literacy(
    rows: list[CourseRow],
    course_id_for_row: dict[int, int],
    item_ids: dict[str, int],
    section_ids: dict[str, int],
    writer: CatalogWriter,
    new_ids: set[int],
    scope: Q,
) -> set[int]:
    old_ids = {course_id_for_row[r.row] for r in rows} - new_ids
    existing: dict[int, list[str]] = {}
    if old_ids:
        for course_id, item_code, section_code in (
            CourseLiteracy.objects.filter(scope)
            .order_by("course_id", "position")
            .values_list("course_id", "literacy_item__code", "literacy_section__code")
        ):
            if course_id in old_ids:
                existing.setdefault(course_id, []).append(item_code or section_code)
    replace: set[int] = set()
    to_create: list[dict[str, Any]] = []
    for row in rows:
        course_id = course_id_for_row[row.row]
        if existing.get(course_id, []) == row.literacy:
            continue
        replace.add(course_id)
        for position, code in enumerate(row.literacy):
            to_create.append(
                {
                    "course_id": course_id,
                    "literacy_item_id": item_ids.get(code),
                    "literacy_section_id": None if code in item_ids else section_ids.get(code),
                    "position": position,
                }
            )
    for chunk in _chunks(sorted(replace - new_ids)):
        CourseLiteracy.objects.filter(course_id__in=chunk).delete()
    writer.insert_literacy(to_create)
    return replace


def _chunks(ids: Sequence[int], size: int = 1000) -> Iterable[Sequence[int]]:
    """Keep IN lists short (SQLite allows a limited number of parameters)."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def catalog_version_current() -> int:
    return int(CatalogState.objects.filter(pk=1).values_list("version", flat=True).first() or 0)


def providers_load_file(*, path: Path) -> tuple[int, int]:
    """Load a providers file; InputError (naming the field) for NUL, lone surrogates, depth or size."""
    records = json_loads(path.read_bytes())
    return providers_load(records=records)


# --- tags: proposals from inference, and staff review ------------------------------------------


@transaction.atomic
def course_skill_propose(
    *, course: Course, skill_item: SkillItem, level: int, confidence: float, evidence: Sequence[str] = ()
) -> CourseSkill | None:
    """Add an inferred tag for review, unless the course already has this item or it was rejected.

    Idempotent: proposing again updates a pending proposal's level, confidence and evidence only.
    Returns None when nothing is (or may be) proposed.
    """
    existing = CourseSkill.objects.select_for_update().filter(course=course, skill_item=skill_item).first()
    if existing is None:
        try:
            with transaction.atomic():
                return CourseSkill.objects.create(
                    course=course,
                    skill_item=skill_item,
                    level=level,
                    confidence=confidence,
                    source=TagSource.INFERRED,
                    review_status=ReviewStatus.PENDING,
                    position=100,
                    evidence=list(evidence),
                )
        except IntegrityError:
            # Proposed at the same moment by another run of the task (e.g. a redelivered one): use that tag.
            existing = CourseSkill.objects.select_for_update().get(course=course, skill_item=skill_item)
    tag = existing
    if tag.source == TagSource.INFERRED and tag.review_status == ReviewStatus.PENDING:
        if (tag.level, tag.confidence, tag.evidence) != (level, confidence, list(evidence)):
            tag.level, tag.confidence, tag.evidence = level, confidence, list(evidence)
            tag.save(update_fields=["level", "confidence", "evidence"])
        return tag
    return None  # declared, reviewed, or rejected: a rejection is remembered


@transaction.atomic
def course_skill_review(*, tag: CourseSkill, reviewer: User, action: str, level: int | None = None) -> CourseSkill:
    """Accept, reject or change the level of a tag; records who and when."""
    if action not in ("accept", "reject", "set_level"):
        raise ValueError(f"unknown review action {action!r}")
    tag = CourseSkill.objects.select_for_update().get(pk=tag.pk)
    if action == "reject":
        tag.review_status = ReviewStatus.REJECTED
    else:
        if action == "set_level":
            if level is None or not 1 <= level <= 4:
                raise ValueError("level must be 1-4")
            tag.level = level
        tag.review_status = ReviewStatus.ACCEPTED
        if tag.source == TagSource.INFERRED:
            tag.source = TagSource.REVIEWED
    tag.reviewer_id = reviewer.pk
    tag.reviewed_at = timezone.now()
    tag.save()
    # The calibrated tagger learns from reviews (recommender.receivers queues its retraining after commit).
    course_tags_reviewed.send(sender=CourseSkill, tag_ids=[tag.pk])
    return tag


@transaction.atomic
def course_prerequisites_set(*, course: Course, prerequisites: Sequence[Course]) -> None:
    """Replace a course's prerequisites; refuses itself and cycles."""
    ids = {p.pk for p in prerequisites}
    if course.pk in ids:
        raise ValueError("a course cannot be its own prerequisite")
    # Walk down from the new prerequisites: reaching `course` would close a cycle.
    frontier, seen = set(ids), set()
    while frontier:
        if course.pk in frontier:
            raise ValueError("these prerequisites would make a cycle")
        seen |= frontier
        frontier = (
            set(
                Course.prerequisites.through.objects.filter(from_course_id__in=frontier).values_list(
                    "to_course_id", flat=True
                )
            )
            - seen
        )
    course.prerequisites.set(prerequisites)


# --- measured effectiveness (docs/effectiveness.md) ------------------------------------------------


@dataclass(frozen=True)
class EffectRow:
    """One (course, item) estimate, as `recommender.services.course_effects_recompute` computes it."""

    course_id: int
    skill_item_id: int
    learners: int
    weight: float
    claimed_level: float
    mean_level: float
    shrunk_level: float
    credibility: float


@transaction.atomic
def course_effects_store(*, rows: Sequence[EffectRow], computed_at: Any = None) -> int:
    """Replace every stored estimate with `rows` (a full recompute): the same rows twice store the same table.

    Not a catalog change: `CatalogState.version` stays.  Rows for courses or items that no longer exist are
    skipped.  Returns the rows stored."""
    when = computed_at or timezone.now()
    course_ids = set(Course.objects.filter(pk__in={r.course_id for r in rows}).values_list("pk", flat=True))
    item_ids = set(SkillItem.objects.filter(pk__in={r.skill_item_id for r in rows}).values_list("pk", flat=True))
    CourseItemEffect.objects.all().delete()
    objs = [
        CourseItemEffect(
            course_id=r.course_id,
            skill_item_id=r.skill_item_id,
            learners=r.learners,
            weight=r.weight,
            claimed_level=r.claimed_level,
            mean_level=min(4.0, max(0.0, r.mean_level)),
            shrunk_level=min(4.0, max(0.0, r.shrunk_level)),
            credibility=r.credibility,
            computed_at=when,
        )
        for r in rows
        if r.course_id in course_ids and r.skill_item_id in item_ids and r.learners > 0
    ]
    CourseItemEffect.objects.bulk_create(objs, batch_size=1000)
    return len(objs)
