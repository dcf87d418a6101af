"""Load a synthetic population (portal.population) into the database: COPY on PostgreSQL.

One transaction: a failure leaves nothing behind.  Primary keys are reserved up front, under
locks that hold off other writers of the same tables for the duration (readers go on), then the
sequences are moved past what was written.  National rollups are rebuilt from the loaded
enrollments at the end, so the ministry's figures reconcile with the raw records.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.contrib.auth.models import Group, User
from django.db import connection, transaction

from accounts.models import RoleGroup
from courses.models import Course, CourseStatus
from courses.selectors import active_tags
from learners.models import (
    Enrollment,
    LearnerProfile,
    Membership,
    Organization,
    ProgressEvent,
    SkillAssessment,
)
from learners.services.rollups import org_rollups_rebuild
from national.services import national_rebuild
from portal import population
from skills.models import Role, SkillItem
from skills.selectors import standard_version_get

Progress = Callable[[str, int, int], None]

# Column kinds: how a numpy column becomes a database value.
INT, TEXT, TIME, DATE, BOOL, NULLABLE_INT = "int", "text", "time", "date", "bool", "int?"


class PopulationError(Exception):
    pass


@dataclass
class LoadReport:
    rows: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)
    counted_nationally: int = 0
    completions_by_fiscal_year: dict[int, int] = field(default_factory=dict)


def _tables() -> dict[str, str]:
    return {
        "user": User._meta.db_table,
        "user_groups": User.groups.through._meta.db_table,
        "organization": Organization._meta.db_table,
        "membership": Membership._meta.db_table,
        "profile": LearnerProfile._meta.db_table,
        "assessment": SkillAssessment._meta.db_table,
        "enrollment": Enrollment._meta.db_table,
        "event": ProgressEvent._meta.db_table,
    }


def _strings(kind: str, values: Any, n: int) -> list[str | None]:
    """A column as text (None for NULL), the form both COPY and SQLite take."""
    if not isinstance(values, np.ndarray):  # a constant
        constant = None if values is None else ("t" if values is True else "f" if values is False else str(values))
        return [constant] * n
    if kind in (TIME, DATE):
        text = np.datetime_as_string(values.astype("datetime64[s]"), unit="s" if kind == TIME else "D")
        out: list[str | None] = [None if t == "NaT" else t for t in text.tolist()]
        if kind == TIME:
            return [None if t is None else t.replace("T", " ") + "+00:00" for t in out]
        return out
    if kind == BOOL:
        return ["t" if v else "f" for v in values.tolist()]
    if kind == NULLABLE_INT:
        return [None if v < 0 else str(v) for v in values.tolist()]
    return [str(v) for v in values.tolist()]


class _Writer:
    """Writes columns to a table: COPY FROM STDIN (text format) on PostgreSQL, executemany elsewhere."""

    def __init__(self, report: LoadReport) -> None:
        self.report = report
        self.postgres = connection.vendor == "postgresql"

    def write(self, table_key: str, columns: Sequence[tuple[str, str, Any]], n: int) -> None:
        if n == 0:
            return
        table = _tables()[table_key]
        names = [name for name, _, _ in columns]
        data = [_strings(kind, values, n) for _, kind, values in columns]
        if self.postgres:
            quoted = ", ".join(connection.ops.quote_name(c) for c in names)
            text = "".join("\t".join("\\N" if v is None else v for v in row) + "\n" for row in zip(*data, strict=True))
            with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                copy.write(text)
        else:
            kinds = [kind for _, kind, _ in columns]
            rows = [
                tuple(_sqlite_value(k, v) for k, v in zip(kinds, row, strict=True)) for row in zip(*data, strict=True)
            ]
            marks = ", ".join(["%s"] * len(names))
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(connection.ops.quote_name(c) for c in names)}) "  # noqa: S608
                    f"VALUES ({marks})",
                    rows,
                )
        self.report.rows[table_key] += n


def _sqlite_value(kind: str, value: str | None) -> Any:
    if value is None:
        return None
    if kind == BOOL:
        return value == "t"
    if kind in (INT, NULLABLE_INT):
        return int(value)
    if kind == TIME:
        return value.removesuffix("+00:00")  # Django keeps UTC without an offset on SQLite
    return value


def _catalog() -> population.Catalog:
    version = standard_version_get()
    courses = list(Course.objects.filter(status=CourseStatus.PUBLISHED).order_by("pk").values_list("pk", "hours"))
    if not courses:
        raise PopulationError("no published course: load the catalog first (make setup, or import_catalog)")
    tags: dict[int, list[tuple[int, int]]] = {}
    for course_id, item_id, level in (
        active_tags().order_by("course_id", "position", "pk").values_list("course_id", "skill_item_id", "level")
    ):
        tags.setdefault(course_id, []).append((item_id, level))
    roles = list(Role.objects.filter(version=version).order_by("pk").values_list("pk", "code"))
    items = list(SkillItem.objects.filter(version=version).order_by("pk").values_list("pk", flat=True))
    if not roles or not items:
        raise PopulationError("the standard is not loaded: run `manage.py load_dss` first")
    weights = np.array([population.ROLE_WEIGHTS.get(code, 1) for _, code in roles], dtype=np.float64)
    return population.Catalog(
        course_ids=np.array([c for c, _ in courses], dtype=np.int64),
        course_hours=np.array([float(h) for _, h in courses]),
        course_tags=tags,
        role_ids=np.array([r for r, _ in roles], dtype=np.int64),
        role_weights=weights / weights.sum(),
        skill_item_ids=np.array(items, dtype=np.int64),
    )


def _next_ids() -> dict[str, int]:
    tables = _tables()
    out = {}
    with connection.cursor() as cursor:
        for key in ("user", "organization", "membership", "profile", "assessment", "enrollment", "event"):
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {tables[key]}")  # noqa: S608 - identifiers only
            out[key] = int(cursor.fetchone()[0])
    return out


def _lock_and_reset_sequences(lock: bool) -> None:
    """PostgreSQL: lock the tables against other writers (before) or move each id sequence past MAX(id) (after)."""
    if connection.vendor != "postgresql":
        return
    tables = [t for k, t in _tables().items() if k != "user_groups"]
    with connection.cursor() as cursor:
        if lock:
            cursor.execute(f"LOCK TABLE {', '.join(tables)} IN SHARE ROW EXCLUSIVE MODE")
            return
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))",  # noqa: S608
                [table],
            )


def _groups() -> tuple[int, int]:
    learner, _ = Group.objects.get_or_create(name=RoleGroup.LEARNER.value)
    admin, _ = Group.objects.get_or_create(name=RoleGroup.ORG_ADMIN.value)
    return learner.pk, admin.pk


def _user_columns(ids: np.ndarray, usernames: Iterable[str], joined: np.ndarray) -> list[tuple[str, str, Any]]:
    return [
        ("id", INT, ids),
        ("password", TEXT, "!"),  # unusable: these accounts cannot log in
        ("last_login", TIME, None),
        ("is_superuser", BOOL, False),
        ("username", TEXT, np.asarray(list(usernames))),
        ("first_name", TEXT, ""),
        ("last_name", TEXT, ""),
        ("email", TEXT, ""),
        ("is_staff", BOOL, False),
        ("is_active", BOOL, True),
        ("date_joined", TIME, joined),
    ]


def population_generate(*, spec: population.Spec, progress: Progress | None = None) -> LoadReport:
    """Generate and store `spec.learners` learners, `spec.orgs` organizations and exactly `spec.events` events.

    One transaction; its commit is timed on its own (PostgreSQL checks every foreign key there)."""
    with transaction.atomic():
        report = _generate(spec, progress)
        clock = time.perf_counter()
        if progress:
            progress("commit", 0, 1)
    report.seconds["commit (foreign keys checked)"] = time.perf_counter() - clock
    if progress:
        progress("commit", 1, 1)
    return report


def _generate(spec: population.Spec, progress: Progress | None) -> LoadReport:
    if spec.learners < 1 or spec.events < 0 or spec.orgs < 0:
        raise PopulationError("learners must be at least 1; events and orgs at least 0")
    prefix = f"pop{spec.seed}-"
    if User.objects.filter(username__startswith=prefix).exists():
        raise PopulationError(
            f"a population with seed {spec.seed} is already loaded (user names {prefix}…): use another --seed "
            "or a fresh database"
        )
    report = LoadReport()
    clock = time.perf_counter()
    catalog = _catalog()
    learner_group, admin_group = _groups()
    _lock_and_reset_sequences(lock=True)
    next_id = _next_ids()
    writer = _Writer(report)

    orgs = population.organizations(spec, next_id["organization"], next_id["user"])
    k = len(orgs.ids)
    created = np.full(k, np.datetime64("2022-04-01T00:00:00", "s"))
    writer.write(
        "user", _user_columns(orgs.admin_user_ids, (f"{prefix}admin-{i + 1:06d}" for i in range(k)), created), k
    )
    writer.write("user_groups", [("user_id", INT, orgs.admin_user_ids), ("group_id", INT, admin_group)], k)
    writer.write(
        "organization",
        [
            ("id", INT, orgs.ids),
            ("name", TEXT, np.asarray(orgs.names)),
            ("corporate_number", TEXT, np.asarray(orgs.corporate_numbers)),
            ("industry", TEXT, orgs.industry),
            ("prefecture", TEXT, orgs.prefecture),
            ("size_band", TEXT, orgs.size_band),
            ("created_at", TIME, created),
        ],
        k,
    )
    writer.write(
        "membership",
        [
            ("id", INT, np.arange(next_id["membership"], next_id["membership"] + k, dtype=np.int64)),
            ("user_id", INT, orgs.admin_user_ids),
            ("organization_id", INT, orgs.ids),
            ("kind", TEXT, Membership.Kind.ADMIN.value),
            ("joined_on", DATE, created),
            ("left_on", DATE, None),
        ],
        k,
    )
    ids = population.Ids(
        user=next_id["user"] + k,
        profile=next_id["profile"],
        membership=next_id["membership"] + k,
        assessment=next_id["assessment"],
        enrollment=next_id["enrollment"],
        event=next_id["event"],
    )
    report.seconds["set-up"] = time.perf_counter() - clock

    generate_s = write_s = 0.0
    done_learners = 0
    for number, start, count in spec.chunks():
        t0 = time.perf_counter()
        part = population.chunk(spec, number, start, count, catalog, orgs, ids)
        t1 = time.perf_counter()
        _write_chunk(writer, part, learner_group)
        write_s += time.perf_counter() - t1
        generate_s += t1 - t0
        ids.user += count
        ids.profile += count
        ids.membership += len(part.memberships["id"])
        ids.assessment += len(part.assessments["id"])
        ids.enrollment += len(part.enrollments["id"])
        ids.event += len(part.events["id"])
        done_learners += count
        if progress:
            progress("learners", done_learners, spec.learners)
    report.seconds["generate"] = generate_s
    report.seconds["write (COPY)" if connection.vendor == "postgresql" else "write"] = write_s
    _lock_and_reset_sequences(lock=False)

    clock = time.perf_counter()
    report.counted_nationally = national_rebuild(
        progress=(lambda d, t: progress("national", d, t)) if progress else None
    )
    report.seconds["national rollup"] = time.perf_counter() - clock
    clock = time.perf_counter()
    org_rollups_rebuild()  # the employers' dashboards (COPY bypasses the model signals)
    report.seconds["organization rollups"] = time.perf_counter() - clock
    clock = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in _tables().values():
                cursor.execute(f"ANALYZE {table}")
    report.seconds["analyze"] = time.perf_counter() - clock
    from national.models import NationalCount

    report.completions_by_fiscal_year = dict(
        sorted(Counter(NationalCount.objects.values_list("fiscal_year", flat=True).iterator(chunk_size=50_000)).items())
    )
    return report


def _write_chunk(writer: _Writer, part: population.Chunk, learner_group: int) -> None:
    u, p, m, a, e, ev = part.users, part.profiles, part.memberships, part.assessments, part.enrollments, part.events
    n = len(u["id"])
    writer.write("user", _user_columns(u["id"], u["username"].tolist(), u["date_joined"]), n)
    writer.write("user_groups", [("user_id", INT, u["id"]), ("group_id", INT, learner_group)], n)
    writer.write(
        "profile",
        [
            ("id", INT, p["id"]),
            ("user_id", INT, p["user_id"]),
            ("public_id", TEXT, p["public_id"]),  # 32 hex digits: both databases read it
            ("prefecture", TEXT, p["prefecture"]),
            ("industry", TEXT, p["industry"]),
            ("target_role_id", NULLABLE_INT, p["target_role_id"]),
            ("weekly_hours", INT, p["weekly_hours"]),
            ("budget_jpy", INT, p["budget_jpy"]),
            ("free_only", BOOL, p["free_only"]),
            ("preferred_formats", TEXT, "[]"),
            ("preferred_language", TEXT, p["preferred_language"]),
            ("share_target_role", BOOL, p["share"]),
            ("share_levels", BOOL, p["share"]),
            ("share_track_progress", BOOL, True),
            ("travel", BOOL, False),
            ("abroad", BOOL, False),
            ("onboarded_at", TIME, p["onboarded_at"]),
            ("created_at", TIME, p["created_at"]),
        ],
        n,
    )
    writer.write(
        "membership",
        [
            ("id", INT, m["id"]),
            ("user_id", INT, m["user_id"]),
            ("organization_id", INT, m["organization_id"]),
            ("kind", TEXT, Membership.Kind.EMPLOYEE.value),
            ("joined_on", DATE, m["joined_on"]),
            ("left_on", DATE, None),
        ],
        len(m["id"]),
    )
    writer.write(
        "assessment",
        [
            ("id", INT, a["id"]),
            ("learner_id", INT, a["learner_id"]),
            ("skill_item_id", INT, a["skill_item_id"]),
            ("level", INT, a["level"]),
            ("source", TEXT, a["source"]),
            ("note", TEXT, ""),
            ("course_id", NULLABLE_INT, a["course_id"]),
            ("recorded_by_id", INT, None),
            ("assessed_at", TIME, a["assessed_at"]),
        ],
        len(a["id"]),
    )
    writer.write(
        "enrollment",
        [
            ("id", INT, e["id"]),
            ("learner_id", INT, e["learner_id"]),
            ("course_id", INT, e["course_id"]),
            ("status", TEXT, e["status"]),
            ("percent", INT, e["percent"]),
            ("enrolled_at", TIME, e["enrolled_at"]),
            ("completed_at", TIME, e["completed_at"]),
            ("dropped_at", TIME, e["dropped_at"]),
            ("last_event_at", TIME, e["last_event_at"]),
            ("updated_at", TIME, e["last_event_at"]),
        ],
        len(e["id"]),
    )
    writer.write(
        "event",
        [
            ("id", INT, ev["id"]),
            ("idempotency_key", TEXT, ev["idempotency_key"]),
            ("submitted_by_id", INT, ev["submitted_by_id"]),
            ("learner_id", INT, ev["learner_id"]),
            ("course_id", INT, ev["course_id"]),
            ("kind", TEXT, ev["kind"]),
            ("percent", NULLABLE_INT, ev["percent"]),
            ("occurred_at", TIME, ev["occurred_at"]),
            ("source", TEXT, population.SOURCE),
            ("payload_hash", TEXT, ev["payload_hash"]),
            ("received_at", TIME, ev["received_at"]),
        ],
        len(ev["id"]),
    )
