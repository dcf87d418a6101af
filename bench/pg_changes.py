#!/usr/bin/env python
"""PostgreSQL changes, each measured before and after in the same run, on a generated population.

Runs on the database bench/population.py leaves with --keep (default `dxp_bench_population`), or any
database holding a generate_population run (--database).  Every experiment restores what it changed.

1. Foreign-key indexes that a composite index already covers (events by submitter and by learner,
   enrollments by learner, assessments by learner): size on disk, and the time to write 200,000 events
   with and without them (rolled back), and the reads that use them.
2. A partial index on completed enrollments (learner, completed_at): the national recount's query for
   a block of 20,000 learners, with and without it.
3. Partitioning progress events by fiscal year (a partitioned copy of the table): events of one fiscal
   year, archiving the oldest year, and the ingest's duplicate check by (submitter, key), which on a
   partitioned table can no longer be a unique index without the partition key.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/pg_changes.py
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# Single-column foreign-key indexes Django creates, each led by a composite index on the same table.
REDUNDANT = {
    "learners_progressevent": [("submitted_by_id", "learners_event_once_per_submitter_key"),
                               ("learner_id", "learners_event_by_enrollment")],
    "learners_enrollment": [("learner_id", "learners_one_enrollment_per_course")],
    "learners_skillassessment": [("learner_id", "learners_assess_latest")],
}  # fmt: skip
FISCAL_YEARS = (2022, 2023, 2024, 2025, 2026)


def say(message: str) -> None:
    print(message, flush=True)


def median_ms(fn: Callable[[], Any], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="dxp_bench_population")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    args = parser.parse_args()
    import psycopg

    admin = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    url = urlunsplit(urlsplit(admin)._replace(path=f"/{args.database}")).replace("postgres://", "postgresql://", 1)
    figures: dict[str, Any] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        events = conn.execute("SELECT count(*) FROM learners_progressevent").fetchone()[0]  # type: ignore[index]
        learners = conn.execute("SELECT count(*) FROM learners_learnerprofile").fetchone()[0]  # type: ignore[index]
        say(f"[1/3] {args.database}: {learners:,} learners, {events:,} events")
        figures["learners"], figures["events"] = learners, events
        figures["redundant_indexes"] = redundant_indexes(conn)
        say("[2/3] partial index on completed enrollments")
        figures["completed_index"] = completed_index(conn)
        say("[3/3] progress events partitioned by fiscal year (a copy)")
        figures["partitioning"] = partitioning(conn)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    print_report(figures)
    if not args.keep:
        with psycopg.connect(admin.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')


def _index_mb(conn: Any, names: list[str]) -> float:
    if not names:
        return 0.0
    row = conn.execute(
        "SELECT COALESCE(sum(pg_relation_size(c.oid)), 0) FROM pg_class c WHERE c.relname = ANY(%s)", [names]
    ).fetchone()
    return float(row[0]) / 1e6


def _fk_index_names(conn: Any) -> dict[tuple[str, str], str]:
    """(table, column) -> name of a single-column index on it, for the REDUNDANT candidates."""
    out = {}
    for table, pairs in REDUNDANT.items():
        for column, _ in pairs:
            row = conn.execute(
                """SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                   JOIN pg_class t ON t.oid = x.indrelid
                   JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]
                   WHERE t.relname = %s AND a.attname = %s AND x.indnatts = 1""",
                [table, column],
            ).fetchone()
            if row:
                out[(table, column)] = row[0]
    return out


def _write_events(conn: Any, rows: int) -> tuple[float, float]:
    """Seconds and WAL megabytes to insert `rows` events (copies of existing ones under new keys); rolled back.

    The WAL volume counts every index entry written: unlike time, other load on the machine does not move it."""
    with conn.transaction(force_rollback=True):
        wal_before = conn.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
        start = time.perf_counter()
        conn.execute(
            """INSERT INTO learners_progressevent (idempotency_key, submitted_by_id, learner_id, course_id, kind,
                   percent, occurred_at, source, payload_hash, received_at)
               SELECT 'bench-' || id, submitted_by_id, learner_id, course_id, kind, percent, occurred_at, source,
                   payload_hash, received_at FROM learners_progressevent ORDER BY id LIMIT %s""",
            [rows],
        )
        seconds = time.perf_counter() - start
        wal = conn.execute("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), %s)", [wal_before]).fetchone()[0]
        return seconds, float(wal) / 1e6


def _writes(conn: Any, rows: int, repeat: int = 3) -> dict[str, float]:
    runs = [_write_events(conn, rows) for _ in range(repeat)]
    return {"write_s": min(s for s, _ in runs), "wal_mb": statistics.median(w for _, w in runs)}


def _reads(conn: Any) -> dict[str, float]:
    learner = conn.execute("SELECT learner_id FROM learners_progressevent ORDER BY id DESC LIMIT 1").fetchone()[0]
    submitter = conn.execute("SELECT submitted_by_id FROM learners_progressevent ORDER BY id LIMIT 1").fetchone()[0]
    return {
        "events_of_a_learner_ms": median_ms(
            lambda: conn.execute("SELECT * FROM learners_progressevent WHERE learner_id = %s", [learner]).fetchall(), 21
        ),
        "submitter_has_events_ms": median_ms(
            lambda: conn.execute(
                "SELECT EXISTS (SELECT 1 FROM learners_progressevent WHERE submitted_by_id = %s)", [submitter]
            ).fetchall(),
            21,
        ),
        "enrollments_of_a_learner_ms": median_ms(
            lambda: conn.execute("SELECT * FROM learners_enrollment WHERE learner_id = %s", [learner]).fetchall(), 21
        ),
        "assessments_of_a_learner_ms": median_ms(
            lambda: conn.execute(
                "SELECT * FROM learners_skillassessment WHERE learner_id = %s ORDER BY assessed_at DESC", [learner]
            ).fetchall(),
            21,
        ),
    }


def redundant_indexes(conn: Any) -> dict[str, Any]:
    """Before: with the single-column FK indexes; after: without them. Restores what it found."""
    found = _fk_index_names(conn)
    created = []
    # "before" needs them present: create any that a migration already removed
    for table, pairs in REDUNDANT.items():
        for column, _ in pairs:
            if (table, column) not in found:
                name = f"bench_{table}_{column}"[:63]
                conn.execute(f"CREATE INDEX {name} ON {table} ({column})")
                found[(table, column)] = name
                created.append(name)
    conn.execute("ANALYZE learners_progressevent, learners_enrollment, learners_skillassessment")
    names = list(found.values())
    rows = min(200_000, conn.execute("SELECT count(*) FROM learners_progressevent").fetchone()[0])
    before = {"index_mb": _index_mb(conn, names), **_writes(conn, rows)}
    before.update(_reads(conn))
    say(
        f"      before: {before['index_mb']:,.0f} MB in {len(names)} indexes; "
        f"{rows:,} events written in {before['write_s']:.2f} s"
    )
    definitions = {name: conn.execute("SELECT pg_get_indexdef(%s::regclass)", [name]).fetchone()[0] for name in names}
    for name in names:
        conn.execute(f"DROP INDEX {name}")
    try:
        after = {"index_mb": 0.0, **_writes(conn, rows)}
        after.update(_reads(conn))
        say(f"      after:  {after['write_s']:.2f} s; reads use the composite indexes")
    finally:
        for name, definition in definitions.items():
            if name not in created:  # put back what the schema had
                conn.execute(definition)
    return {"rows_written": rows, "indexes": names, "before": before, "after": after}


FIRST_COMPLETIONS_SQL = """
SELECT learner_id, id, course_id, completed_at FROM learners_enrollment
WHERE learner_id BETWEEN %s AND %s AND status = 'completed'
  AND course_id IN (SELECT course_id FROM national_nationalcourse)
ORDER BY learner_id, completed_at, id
"""


def completed_index(conn: Any) -> dict[str, Any]:
    low, high = conn.execute("SELECT min(id), max(id) FROM learners_learnerprofile").fetchone()
    blocks = [(a, a + 19_999) for a in range(low, high + 1, max(20_000, (high - low) // 8))][:8]

    def recount_blocks() -> None:
        for a, b in blocks:
            conn.execute(FIRST_COMPLETIONS_SQL, [a, b]).fetchall()

    existing = conn.execute("SELECT 1 FROM pg_class WHERE relname = 'learners_enrollment_completed'").fetchone()
    if existing:
        conn.execute("DROP INDEX learners_enrollment_completed")
    before_ms = median_ms(recount_blocks, 3) / len(blocks)
    conn.execute(
        "CREATE INDEX learners_enrollment_completed ON learners_enrollment (learner_id, completed_at, id) "
        "INCLUDE (course_id) WHERE status = 'completed'"
    )
    conn.execute("ANALYZE learners_enrollment")
    after_ms = median_ms(recount_blocks, 3) / len(blocks)
    size = _index_mb(conn, ["learners_enrollment_completed"])
    if not existing:
        conn.execute("DROP INDEX learners_enrollment_completed")
    say(f"      a 20,000-learner recount block: {before_ms:.0f} ms without, {after_ms:.0f} ms with ({size:.0f} MB)")
    return {"block_before_ms": before_ms, "block_after_ms": after_ms, "index_mb": size}


def partitioning(conn: Any) -> dict[str, Any]:
    conn.execute("DROP TABLE IF EXISTS bench_events_plain, bench_events_part CASCADE")
    conn.execute("CREATE TABLE bench_events_plain (LIKE learners_progressevent INCLUDING DEFAULTS)")
    conn.execute(
        "CREATE TABLE bench_events_part (LIKE learners_progressevent INCLUDING DEFAULTS) "
        "PARTITION BY RANGE (occurred_at)"
    )
    for fy in FISCAL_YEARS:
        conn.execute(
            f"CREATE TABLE bench_events_fy{fy} PARTITION OF bench_events_part "
            f"FOR VALUES FROM ('{fy}-04-01 00:00+09') TO ('{fy + 1}-04-01 00:00+09')"
        )
    conn.execute("CREATE TABLE bench_events_other PARTITION OF bench_events_part DEFAULT")
    for table in ("bench_events_plain", "bench_events_part"):
        conn.execute(f"INSERT INTO {table} SELECT * FROM learners_progressevent")  # noqa: S608 - identifiers only
    # The product's indexes: unique (submitter, key) on the plain table; on the partitioned one the
    # unique index must include the partition key, so it no longer says "one event per key".
    conn.execute("CREATE UNIQUE INDEX ON bench_events_plain (submitted_by_id, idempotency_key)")
    conn.execute("CREATE INDEX ON bench_events_plain (learner_id, course_id, occurred_at)")
    conn.execute("CREATE UNIQUE INDEX ON bench_events_part (submitted_by_id, idempotency_key, occurred_at)")
    conn.execute("CREATE INDEX ON bench_events_part (learner_id, course_id, occurred_at)")
    conn.execute("ANALYZE bench_events_plain, bench_events_part")
    keys = conn.execute(
        "SELECT submitted_by_id, idempotency_key FROM bench_events_plain ORDER BY payload_hash LIMIT 1000"
    ).fetchall()
    out: dict[str, Any] = {}
    for label, table in (("plain", "bench_events_plain"), ("partitioned", "bench_events_part")):
        fy_sql = (
            f"SELECT kind, count(*) FROM {table} WHERE occurred_at >= '2024-04-01 00:00+09' "  # noqa: S608
            "AND occurred_at < '2025-04-01 00:00+09' GROUP BY kind"
        )
        lookup_sql = f"SELECT id, payload_hash FROM {table} WHERE submitted_by_id = %s AND idempotency_key = %s"  # noqa: S608

        def lookups(sql: str = lookup_sql) -> None:
            with conn.cursor() as cur:
                cur.executemany(sql, keys)

        def one_year(sql: str = fy_sql) -> None:
            conn.execute(sql).fetchall()

        out[label] = {
            "one_fiscal_year_ms": median_ms(one_year, 3),
            "duplicate_check_1000_keys_ms": median_ms(lookups, 3),
        }
    with conn.transaction(force_rollback=True):
        start = time.perf_counter()
        conn.execute("DELETE FROM bench_events_plain WHERE occurred_at < '2023-04-01 00:00+09'")
        out["plain"]["archive_oldest_year_ms"] = (time.perf_counter() - start) * 1000
    with conn.transaction(force_rollback=True):
        start = time.perf_counter()
        conn.execute("ALTER TABLE bench_events_part DETACH PARTITION bench_events_fy2022")
        conn.execute("DROP TABLE bench_events_fy2022")
        out["partitioned"]["archive_oldest_year_ms"] = (time.perf_counter() - start) * 1000
    conn.execute("DROP TABLE IF EXISTS bench_events_plain, bench_events_part CASCADE")
    for label in ("plain", "partitioned"):
        p = out[label]
        say(
            f"      {label:<12} one FY {p['one_fiscal_year_ms']:,.0f} ms, 1,000 duplicate checks "
            f"{p['duplicate_check_1000_keys_ms']:,.0f} ms, archive FY2022 {p['archive_oldest_year_ms']:,.0f} ms"
        )
    return out


def print_report(f: dict[str, Any]) -> None:
    r, c, p = f["redundant_indexes"], f["completed_index"], f["partitioning"]
    plain, part = p["plain"], p["partitioned"]
    b, a = r["before"], r["after"]
    print()
    print(f"PostgreSQL changes on {f['learners']:,} learners and {f['events']:,} events (after / before)")
    print(f"{'change and figure':<66}{'before':>10}{'after':>10}{'ratio':>8}")
    rows = [
        ("drop FK indexes a composite index covers: their size (MB)", b["index_mb"], a["index_mb"]),
        (f"  write {r['rows_written']:,} events (s, best of 3)", b["write_s"], a["write_s"]),
        ("  WAL written for them (MB)", b["wal_mb"], a["wal_mb"]),
        ("  events of a learner (ms)", b["events_of_a_learner_ms"], a["events_of_a_learner_ms"]),
        ("  does a submitter have events (ms)", b["submitter_has_events_ms"], a["submitter_has_events_ms"]),
        ("  enrollments of a learner (ms)", b["enrollments_of_a_learner_ms"], a["enrollments_of_a_learner_ms"]),
        ("  assessments of a learner (ms)", b["assessments_of_a_learner_ms"], a["assessments_of_a_learner_ms"]),
        ("partial index on completed enrollments: recount block (ms)", c["block_before_ms"], c["block_after_ms"]),
        ("partition events by FY: events of one FY (ms)", plain["one_fiscal_year_ms"], part["one_fiscal_year_ms"]),
        ("  archive the oldest FY (ms)", plain["archive_oldest_year_ms"], part["archive_oldest_year_ms"]),
        ("  1,000 duplicate checks by (submitter, key) (ms)", p["plain"]["duplicate_check_1000_keys_ms"],
         p["partitioned"]["duplicate_check_1000_keys_ms"]),
    ]  # fmt: skip
    for label, before, after in rows:
        ratio = f"{after / before:>7.2f}x" if before else "      -"
        print(f"{label:<66}{before:>10,.2f}{after:>10,.2f}{ratio}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
