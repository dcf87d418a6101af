"""Writes for the national rollup: counting people, erasure, catalog changes, rebuild and reconcile.

The counting rule (docs/national-progress.md): a person counts once, in the Japan fiscal year of
their first completion of a qualifying course (at least one accepted skill tag or a DX literacy
tag, and at least `NATIONAL_MIN_COURSE_HOURS` hours).  Every path goes through
`national_learners_recount`, which recomputes the named learners from their enrollments, so
re-delivery, out-of-order completions and catalog changes all end in the same state as a
recompute from scratch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, When
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from courses.models import Course, CourseLiteracy, CourseSkill, ReviewStatus
from learners.models import Enrollment, EnrollmentStatus, LearnerProfile, Membership
from national.counting import (
    ALL,
    ALL_YEARS,
    DIMENSIONS,
    GROUPINGS,
    TOKYO,
    Attributes,
    CellKey,
    cell_key,
    cell_keys,
    dimensions_of,
    dx_status_value,
    fiscal_year_of,
    persona_value,
)
from national.models import NationalCell, NationalCount, NationalCourse
from national.reference import TARGET_FIRST_FISCAL_YEAR

RECOUNT_BATCH = 1000


def min_course_hours() -> Decimal:
    return Decimal(str(settings.NATIONAL_MIN_COURSE_HOURS))


def qualifying_courses() -> QuerySet[Course]:
    """Courses whose completion counts: long enough, and aligned with the standard (skill or literacy tag)."""
    return (
        Course.objects.filter(hours__gte=min_course_hours())
        .filter(
            Exists(CourseSkill.objects.filter(course=OuterRef("pk"), review_status=ReviewStatus.ACCEPTED))
            | Exists(CourseLiteracy.objects.filter(course=OuterRef("pk")))
        )
        .order_by()
    )


class First(NamedTuple):
    """A learner's first qualifying completion."""

    enrollment_id: int
    course_id: int
    completed_at: Any  # datetime


def _first_completions(learners: Q) -> dict[int, First]:
    """The first qualifying completion of each learner matched by `learners` (ties: lowest enrollment id)."""
    rows = (
        Enrollment.objects.filter(learners, status=EnrollmentStatus.COMPLETED, course__in=qualifying_courses())
        .order_by("learner_id", "completed_at", "pk")
        .values_list("learner_id", "pk", "course_id", "completed_at")
    )
    firsts: dict[int, First] = {}
    for learner_id, enrollment_id, course_id, completed_at in rows.iterator(chunk_size=5000):
        if learner_id not in firsts:
            firsts[learner_id] = First(enrollment_id, course_id, completed_at)
    return firsts


def _main_categories(course_ids: Iterable[int]) -> dict[int, str]:
    """Each course's main skill category: the one most of its accepted skill tags belong to (ties: standard order)."""
    counts: dict[int, Counter[tuple[int, str]]] = {}
    ids = sorted(set(course_ids))
    for start in range(0, len(ids), 5000):
        for course_id, code, position in CourseSkill.objects.filter(
            course_id__in=ids[start : start + 5000], review_status=ReviewStatus.ACCEPTED
        ).values_list(
            "course_id", "skill_item__subcategory__category__code", "skill_item__subcategory__category__position"
        ):
            counts.setdefault(course_id, Counter())[(position, code)] += 1
    return {
        course_id: min(counter.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1]))[0][1]
        for course_id, counter in counts.items()
    }


def _id_filters(ids: Sequence[int], field: str, chunk: int = 5000) -> list[Q]:
    """Filters covering sorted `ids`: one range when they are dense (a batch of a rebuild), else IN lists."""
    if not ids:
        return []
    if len(ids) > chunk and len(ids) * 2 >= ids[-1] - ids[0] + 1:
        return [Q(**{f"{field}__gte": ids[0], f"{field}__lte": ids[-1]})]
    return [Q(**{f"{field}__in": ids[i : i + chunk]}) for i in range(0, len(ids), chunk)]


def _snapshot(firsts: dict[int, First]) -> dict[int, Attributes]:
    """What each learner counts under, read now: their profile, else their current organization's."""
    if not firsts:
        return {}
    ids = sorted(firsts)
    profiles: dict[int, tuple[int, str, str, str | None]] = {}
    for where in _id_filters(ids, "pk"):
        for pk, user_id, prefecture, industry, persona in LearnerProfile.objects.filter(where).values_list(
            "pk", "user_id", "prefecture", "industry", "target_role__persona_type__code"
        ):
            if pk in firsts:
                profiles[pk] = (user_id, prefecture, industry, persona)
    organizations: dict[int, tuple[str, str, str, Any, Any]] = {}
    for where in _id_filters(ids, "user__learner__pk"):
        # The newest active membership decides (several employers at once are rare).
        for user_id, prefecture, industry, size, dx_on, dx_until in (
            Membership.objects.filter(where, left_on__isnull=True)
            .order_by("user_id", "-joined_on", "-pk")
            .values_list(
                "user_id",
                "organization__prefecture",
                "organization__industry",
                "organization__size_band",
                "organization__dx_certified_on",
                "organization__dx_certified_until",
            )
        ):
            organizations.setdefault(user_id, (prefecture, industry, size, dx_on, dx_until))
    categories = _main_categories(f.course_id for f in firsts.values())
    out: dict[int, Attributes] = {}
    for learner_id, first in firsts.items():
        owner, own_prefecture, own_industry, role_persona = profiles[learner_id]
        org_prefecture, org_industry, org_size, dx_on, dx_until = organizations.get(owner, ("", "", "", None, None))
        out[learner_id] = Attributes(
            fiscal_year=fiscal_year_of(first.completed_at),
            prefecture=own_prefecture or org_prefecture,
            industry=own_industry or org_industry,
            persona_type=persona_value(role_persona, categories.get(first.course_id)),
            org_size=org_size,
            dx_status=dx_status_value(owner in organizations, dx_on, dx_until, first.completed_at),
        )
    return out


def _attributes(row: NationalCount) -> Attributes:
    return Attributes(row.fiscal_year, row.prefecture, row.industry, row.persona_type, row.org_size, row.dx_status)


def _add(deltas: Counter[CellKey], attrs: Attributes, sign: int) -> None:
    if attrs.fiscal_year < TARGET_FIRST_FISCAL_YEAR:
        return  # counted before the target period: in no cell
    for key in cell_keys(attrs):
        deltas[key] += sign


_CELL_COLUMNS = ("grouping", *DIMENSIONS)


def _cells_apply(deltas: Counter[CellKey]) -> None:
    """Add the deltas to the cells, in one global key order (concurrent writers never deadlock)."""
    ordered = sorted((key, delta) for key, delta in deltas.items() if delta)
    table = connection.ops.quote_name(NationalCell._meta.db_table)
    run: list[tuple[CellKey, int]] = []
    for position, (key, delta) in enumerate(ordered):
        run.append((key, delta))
        following = ordered[position + 1][1] if position + 1 < len(ordered) else 0
        if following > 0 and delta > 0 and len(run) < 500:
            continue
        if delta > 0:
            _cells_upsert(table, run)
        else:
            for neg_key, neg_delta in run:
                changed = NationalCell.objects.filter(**dict(zip(_CELL_COLUMNS, neg_key, strict=True))).update(
                    people=F("people") + neg_delta
                )
                if changed != 1:
                    raise RuntimeError(f"national rollup: no cell {neg_key} to take {-neg_delta} from")
        run = []


def _cells_upsert(table: str, run: list[tuple[CellKey, int]]) -> None:
    placeholders = ", ".join(["(" + ", ".join(["%s"] * (len(_CELL_COLUMNS) + 1)) + ")"] * len(run))
    params: list[Any] = []
    for key, delta in run:
        params += [*key, delta]
    columns = ", ".join(_CELL_COLUMNS)
    sql = (
        f"INSERT INTO {table} ({columns}, people) VALUES {placeholders} "  # noqa: S608 - identifiers only
        f"ON CONFLICT ({columns}) DO UPDATE SET people = {table}.people + excluded.people"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@dataclass
class RecountResult:
    added: int = 0
    removed: int = 0
    moved: int = 0
    unchanged: int = 0

    def merge(self, other: RecountResult) -> None:
        self.added += other.added
        self.removed += other.removed
        self.moved += other.moved
        self.unchanged += other.unchanged


def _matches(row: NationalCount | None, first: First) -> bool:
    return (
        row is not None
        and row.enrollment_id == first.enrollment_id
        and row.completed_at == first.completed_at
        and row.fiscal_year == fiscal_year_of(first.completed_at)
    )


@transaction.atomic
def national_learners_recount(*, learner_ids: Iterable[int]) -> RecountResult:
    """Bring these learners' counted records and the cells in line with their enrollments now.

    Idempotent and order-independent: the outcome depends only on the stored enrollments, so a
    re-delivered completion changes nothing and an earlier completion arriving late moves the
    person to the earlier fiscal year.  A person keeps the attributes snapshot taken when their
    counting completion was first counted; a new counting completion takes a new snapshot.
    Learner rows are locked first, so concurrent completions of one person are applied one after
    the other.
    """
    ids = sorted(set(learner_ids))
    result = RecountResult()
    if not ids:
        return result
    # FOR NO KEY UPDATE, not FOR UPDATE: it serializes recounts of one person all the same, but does not
    # conflict with the key-share locks other transactions' foreign keys take on the learner row (an ingest
    # batch reporting progress for a person another batch is recounting deadlocked with FOR UPDATE).
    locked = LearnerProfile.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")
    list(locked.values_list("pk", flat=True))
    existing = {row.learner_id: row for row in NationalCount.objects.filter(learner_id__in=ids)}
    firsts = _first_completions(Q(learner_id__in=ids))
    return _people_apply(ids, existing, firsts)


def _people_apply(ids: Sequence[int], existing: dict[int, NationalCount], firsts: dict[int, First]) -> RecountResult:
    result = RecountResult()
    snapshots = _snapshot({lid: f for lid, f in firsts.items() if not _matches(existing.get(lid), f)})
    deltas: Counter[CellKey] = Counter()
    now = timezone.now()
    creates: list[NationalCount] = []
    updates: list[NationalCount] = []
    deletes: list[int] = []
    for learner_id in ids:
        row, first = existing.get(learner_id), firsts.get(learner_id)
        if first is None:
            if row is not None:
                deletes.append(learner_id)
                _add(deltas, _attributes(row), -1)
                result.removed += 1
            continue
        if _matches(row, first):
            result.unchanged += 1
            continue
        attrs = snapshots[learner_id]
        values = {
            "enrollment_id": first.enrollment_id,
            "course_id": first.course_id,
            "completed_at": first.completed_at,
            **attrs._asdict(),
            "counted_at": now,
        }
        if row is None:
            creates.append(NationalCount(learner_id=learner_id, **values))
            result.added += 1
        else:
            _add(deltas, _attributes(row), -1)
            for name, value in values.items():
                setattr(row, name, value)
            updates.append(row)
            result.moved += 1
        _add(deltas, attrs, +1)
    if deletes:
        NationalCount.objects.filter(learner_id__in=deletes).delete()
    if updates:
        NationalCount.objects.bulk_update(
            updates, ["enrollment_id", "course_id", "completed_at", *DIMENSIONS, "counted_at"], batch_size=1000
        )
    if creates:
        NationalCount.objects.bulk_create(creates, batch_size=2000)
    _cells_apply(deltas)
    return result


@transaction.atomic
def national_learner_forget(*, learner_id: int) -> bool:
    """Right to erasure: take the learner out of the cells and drop their counted record. Idempotent."""
    row = NationalCount.objects.select_for_update().filter(learner_id=learner_id).first()
    if row is None:
        return False
    deltas: Counter[CellKey] = Counter()
    _add(deltas, _attributes(row), -1)
    NationalCount.objects.filter(learner_id=learner_id).delete()
    _cells_apply(deltas)
    return True


# --- catalog changes --------------------------------------------------------------------------


@dataclass
class CatalogSync:
    now_qualifying: list[int] = field(default_factory=list)
    no_longer_qualifying: list[int] = field(default_factory=list)
    recount: RecountResult = field(default_factory=RecountResult)


def _qualifying_changes() -> tuple[set[int], set[int]]:
    current = set(qualifying_courses().values_list("pk", flat=True))
    stored = set(NationalCourse.objects.values_list("course_id", flat=True))
    return current - stored, stored - current


@transaction.atomic
def national_catalog_sync(*, recount: bool = True) -> CatalogSync:
    """After catalog changes: courses that started or stopped qualifying get their learners recounted.

    Idempotent: a second call finds nothing changed."""
    added, removed = _qualifying_changes()
    now = timezone.now()
    removed_ids = sorted(removed)
    for start in range(0, len(removed_ids), 1000):
        NationalCourse.objects.filter(course_id__in=removed_ids[start : start + 1000]).delete()
    NationalCourse.objects.bulk_create(
        [NationalCourse(course_id=c, synced_at=now) for c in sorted(added)], batch_size=2000, ignore_conflicts=True
    )
    out = CatalogSync(now_qualifying=sorted(added), no_longer_qualifying=removed_ids)
    if recount:
        changed = sorted(added | removed)
        learners: set[int] = set()
        for start in range(0, len(changed), 1000):
            learners.update(
                Enrollment.objects.filter(
                    course_id__in=changed[start : start + 1000], status=EnrollmentStatus.COMPLETED
                ).values_list("learner_id", flat=True)
            )
        ordered = sorted(learners)
        for start in range(0, len(ordered), RECOUNT_BATCH):
            out.recount.merge(national_learners_recount(learner_ids=ordered[start : start + RECOUNT_BATCH]))
    return out


# --- rebuild and reconcile --------------------------------------------------------------------


def national_cells_expected() -> dict[CellKey, int]:
    """Every non-empty cell recomputed from the counted records (one GROUP BY per grouping)."""
    counted = NationalCount.objects.filter(fiscal_year__gte=TARGET_FIRST_FISCAL_YEAR).order_by()
    cells: dict[CellKey, int] = {}
    blank: dict[str, Any] = {
        "fiscal_year": ALL_YEARS,
        "prefecture": ALL,
        "industry": ALL,
        "persona_type": ALL,
        "org_size": ALL,
        "dx_status": ALL,
    }
    for grouping in GROUPINGS:
        dims = dimensions_of(grouping)
        if not dims:
            total = counted.count()
            if total:
                cells[cell_key(grouping, Attributes(**blank))] = total
            continue
        for row in counted.values(*dims).annotate(n=Count("pk")):
            people = row.pop("n")
            cells[cell_key(grouping, Attributes(**{**blank, **row}))] = people
    return cells


def national_cells_stored() -> dict[CellKey, int]:
    return {
        tuple(values[:-1]): values[-1]
        for values in NationalCell.objects.filter(people__gt=0).values_list(*_CELL_COLUMNS, "people")
    }


@transaction.atomic
def national_cells_rebuild() -> int:
    """Rewrite every cell from the counted records; returns the number of cells."""
    expected = national_cells_expected()
    NationalCell.objects.all().delete()
    NationalCell.objects.bulk_create(
        [
            NationalCell(**dict(zip(_CELL_COLUMNS, key, strict=True)), people=people)
            for key, people in sorted(expected.items())
        ],
        batch_size=2000,
    )
    return len(expected)


def _lock_rollup() -> None:
    """While rebuilding: completions wait instead of writing into a half-built rollup (PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            tables = ", ".join(
                connection.ops.quote_name(m._meta.db_table) for m in (NationalCount, NationalCell, NationalCourse)
            )
            cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")


@transaction.atomic
def national_rebuild(*, batch_size: int = 20_000, progress: Callable[[int, int], None] | None = None) -> int:
    """Recount everyone from scratch (first deployment, or after changing the rule); returns people counted.

    Unlike reconcile, it takes a new attributes snapshot for every person."""
    _lock_rollup()
    NationalCount.objects.all().delete()
    NationalCell.objects.all().delete()
    national_catalog_sync(recount=False)
    learner_ids = sorted(
        set(
            Enrollment.objects.filter(status=EnrollmentStatus.COMPLETED, course__in=qualifying_courses())
            .order_by()
            .values_list("learner_id", flat=True)
            .distinct()
            .iterator(chunk_size=50_000)
        )
    )
    now = timezone.now()
    counted = 0
    for start in range(0, len(learner_ids), batch_size):
        chunk = learner_ids[start : start + batch_size]
        firsts = _first_completions(Q(learner_id__gte=chunk[0], learner_id__lte=chunk[-1]))
        snapshots = _snapshot(firsts)
        _counts_insert(
            [
                (learner_id, first.enrollment_id, first.course_id, first.completed_at, *snapshots[learner_id], now)
                for learner_id, first in firsts.items()
            ]
        )
        counted += len(firsts)
        if progress:
            progress(counted, len(learner_ids))
    national_cells_rebuild()
    return counted


_COUNT_COLUMNS = ("learner_id", "enrollment_id", "course_id", "completed_at", *DIMENSIONS, "counted_at")


def _counts_insert(rows: list[tuple[Any, ...]]) -> None:
    """Insert counted records (columns as _COUNT_COLUMNS): COPY on PostgreSQL, the ORM elsewhere."""
    if connection.vendor != "postgresql":
        NationalCount.objects.bulk_create(
            [NationalCount(**dict(zip(_COUNT_COLUMNS, row, strict=True))) for row in rows], batch_size=2000
        )
        return
    table = connection.ops.quote_name(NationalCount._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({', '.join(_COUNT_COLUMNS)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


@dataclass
class PersonDifference:
    learner_id: int
    problem: str  # missing | not counted | other completion | fiscal year


@dataclass
class CellDifference:
    key: CellKey
    stored: int
    expected: int


@dataclass
class ReconcileReport:
    people: int = 0
    cells: int = 0
    # Catalog changes the sync task has not applied yet (not differences by themselves: any person they
    # affect shows up in person_differences).
    pending_courses: list[str] = field(default_factory=list)
    person_differences: list[PersonDifference] = field(default_factory=list)
    cell_differences: list[CellDifference] = field(default_factory=list)
    repaired: RecountResult | None = None
    before_repair: ReconcileReport | None = None

    @property
    def ok(self) -> bool:
        return not (self.person_differences or self.cell_differences)


def _person_differences() -> list[PersonDifference]:
    """Compare every counted record with the first qualifying completion recomputed from enrollments (SQL)."""
    qualifying_sql, qualifying_params = qualifying_courses().values("pk").query.sql_with_params()
    enrollment = connection.ops.quote_name(Enrollment._meta.db_table)
    count = connection.ops.quote_name(NationalCount._meta.db_table)
    sql = f"""
        WITH ranked AS (
            SELECT e.learner_id, e.id AS enrollment_id, e.completed_at,
                   ROW_NUMBER() OVER (PARTITION BY e.learner_id ORDER BY e.completed_at, e.id) AS rn
            FROM {enrollment} e
            WHERE e.status = %s AND e.course_id IN ({qualifying_sql})
        ), expected AS (SELECT learner_id, enrollment_id, completed_at FROM ranked WHERE rn = 1)
        SELECT x.learner_id, CASE WHEN n.learner_id IS NULL THEN 'missing' ELSE 'other completion' END
        FROM expected x LEFT JOIN {count} n ON n.learner_id = x.learner_id
        WHERE n.learner_id IS NULL OR n.enrollment_id <> x.enrollment_id OR n.completed_at <> x.completed_at
        UNION ALL
        SELECT n.learner_id, 'not counted' FROM {count} n LEFT JOIN expected x ON x.learner_id = n.learner_id
        WHERE x.learner_id IS NULL
    """  # noqa: S608 - identifiers and a compiled ORM query; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [EnrollmentStatus.COMPLETED, *qualifying_params])
        found = [PersonDifference(int(learner_id), problem) for learner_id, problem in cursor.fetchall()]
    wrong_year = (
        NationalCount.objects.annotate(
            y=ExtractYear("completed_at", tzinfo=TOKYO), m=ExtractMonth("completed_at", tzinfo=TOKYO)
        )
        .annotate(fy=Case(When(m__gte=4, then=F("y")), default=F("y") - 1))
        .exclude(fiscal_year=F("fy"))
        .values_list("learner_id", flat=True)
    )
    found += [PersonDifference(learner_id, "fiscal year") for learner_id in wrong_year]
    return sorted(found, key=lambda d: (d.learner_id, d.problem))


def _check() -> ReconcileReport:
    report = ReconcileReport()
    added, removed = _qualifying_changes()
    report.pending_courses = [f"course {c}: qualifies, not synced" for c in sorted(added)] + [
        f"course {c}: no longer qualifies, not synced" for c in sorted(removed)
    ]
    report.person_differences = _person_differences()
    expected, stored = national_cells_expected(), national_cells_stored()
    report.cell_differences = [
        CellDifference(key, stored.get(key, 0), expected.get(key, 0))
        for key in sorted(set(expected) | set(stored))
        if stored.get(key, 0) != expected.get(key, 0)
    ]
    report.people = NationalCount.objects.count()
    report.cells = len(expected)
    return report


def national_reconcile(*, repair: bool = False) -> ReconcileReport:
    """Recompute the counted people and every cell from the raw records and list the differences.

    With `repair`, recount the learners that differ (and rewrite the cells if they still differ),
    then check again; the returned report is the state after repair, with `before_repair` set."""
    report = _check()
    if not repair or (report.ok and not report.pending_courses):
        return report
    repaired = RecountResult()
    with transaction.atomic():
        repaired.merge(national_catalog_sync(recount=True).recount)
        learners = sorted({d.learner_id for d in report.person_differences})
        for start in range(0, len(learners), RECOUNT_BATCH):
            repaired.merge(national_learners_recount(learner_ids=learners[start : start + RECOUNT_BATCH]))
        if national_cells_expected() != national_cells_stored():
            national_cells_rebuild()
    after = _check()
    after.repaired = repaired
    after.before_repair = report
    return after
