"""Bulk writes for catalog imports: COPY on PostgreSQL, the ORM's bulk methods elsewhere.

Imports of thousands of courses spend most of their time building model
instances and SQL parameters; COPY streams plain tuples instead.  Both writers
take the same plain rows (column name -> value) and are exercised by the test
suite: the ORM one on SQLite, the COPY one in the PostgreSQL CI pass.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

from courses.models import Course, CourseLiteracy, CourseSkill

Row = dict[str, Any]

COURSE_COLUMNS: tuple[str, ...] = (
    "provider_id",
    "code",
    "title_ja",
    "title_en",
    "description_ja",
    "description_en",
    "learning_outcomes",
    "url",
    "language",
    "level",
    "hours",
    "price_jpy",
    "format",
    "on_demand",
    "starts_on",
    "ends_on",
    "prefecture",
    "reskill_certified",
    "training_benefit_eligible",
    "status",
    "needs_skill_inference",
    "created_at",
    "updated_at",
)
TAG_COLUMNS: tuple[str, ...] = (
    "course_id",
    "skill_item_id",
    "level",
    "source",
    "confidence",
    "review_status",
    "reviewer_id",
    "reviewed_at",
    "position",
    "evidence",
)
LITERACY_COLUMNS: tuple[str, ...] = ("course_id", "literacy_item_id", "literacy_section_id", "position")
JSON_COLUMNS = frozenset({"learning_outcomes", "evidence"})  # jsonb: written as JSON text


class CatalogWriter(Protocol):
    def insert_courses(self, rows: Sequence[Row]) -> None: ...

    def update_courses(self, rows: Sequence[Row], fields: Sequence[str]) -> None: ...

    def insert_tags(self, rows: Sequence[Row]) -> None: ...

    def insert_literacy(self, rows: Sequence[Row]) -> None: ...


class OrmWriter:
    """Portable: bulk_create / bulk_update in batches."""

    def insert_courses(self, rows: Sequence[Row]) -> None:
        Course.objects.bulk_create([Course(**row) for row in rows], batch_size=500)

    def update_courses(self, rows: Sequence[Row], fields: Sequence[str]) -> None:
        if not rows:
            return
        objs = [Course(id=row["id"], **{f: row[f] for f in fields}) for row in rows]
        Course.objects.bulk_update(objs, list(fields), batch_size=500)

    def insert_tags(self, rows: Sequence[Row]) -> None:
        CourseSkill.objects.bulk_create([CourseSkill(**row) for row in rows], batch_size=1000)

    def insert_literacy(self, rows: Sequence[Row]) -> None:
        CourseLiteracy.objects.bulk_create([CourseLiteracy(**row) for row in rows], batch_size=1000)


class PostgresCopyWriter:
    """PostgreSQL: COPY rows in; updates go through a temporary table and one UPDATE ... FROM."""

    def __init__(self, conn: BaseDatabaseWrapper) -> None:
        self.conn = conn

    def _copy(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        if not rows:
            return
        qn = self.conn.ops.quote_name
        sql = f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
        json_columns = [c for c in columns if c in JSON_COLUMNS]
        with self.conn.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                if json_columns:
                    row = {**row, **{c: _plain(row.get(c)) for c in json_columns}}
                copy.write_row([row.get(c) for c in columns])

    def insert_courses(self, rows: Sequence[Row]) -> None:
        self._copy(Course._meta.db_table, COURSE_COLUMNS, rows)

    def update_courses(self, rows: Sequence[Row], fields: Sequence[str]) -> None:
        if not rows:
            return
        qn = self.conn.ops.quote_name
        table = "_course_update"
        types = {f.column: f.db_type(self.conn) for f in Course._meta.concrete_fields}
        columns = ["id", *fields]
        definition = ", ".join(f"{qn(c)} {'bigint' if c == 'id' else types[c]}" for c in columns)
        with self.conn.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE {table} ({definition})")
        try:
            self._copy(table, columns, rows)
            assignments = ", ".join(f"{qn(c)} = t.{qn(c)}" for c in fields)
            with self.conn.cursor() as cursor:
                # Identifiers only (model columns, quoted); no value is formatted into the SQL.
                cursor.execute(
                    f"UPDATE {qn(Course._meta.db_table)} AS c SET {assignments} FROM {table} AS t "  # noqa: S608
                    "WHERE c.id = t.id"
                )
        finally:
            with self.conn.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {table}")

    def insert_tags(self, rows: Sequence[Row]) -> None:
        self._copy(CourseSkill._meta.db_table, TAG_COLUMNS, rows)

    def insert_literacy(self, rows: Sequence[Row]) -> None:
        self._copy(CourseLiteracy._meta.db_table, LITERACY_COLUMNS, rows)


def _plain(value: Any) -> Any:
    """Lists and dicts go to jsonb columns as JSON text."""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def catalog_writer() -> CatalogWriter:
    if connection.vendor == "postgresql":
        return PostgresCopyWriter(connection)
    return OrmWriter()
