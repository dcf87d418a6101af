#!/usr/bin/env python
"""generate_population against a raw COPY of the very rows it wrote, in the same run.

Generates N learners and M events (default a tenth of the mission: 230,000 and 500,000; the
mission's 2,300,000 and 5,000,000 with --learners/--events) into a scratch database, timing the
whole command (generation, COPY into the real tables with their indexes and foreign keys, the
national rollup, ANALYZE).  Baseline: the same rows, copied out as text, COPYed again into bare
tables of the same columns (no index, no constraint): the floor for writing this much data here.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/population.py
It creates (and afterwards drops) its own database `dxp_bench_population` on that server.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
BENCH_DB = "dxp_bench_population"
MISSION_LEARNERS, MISSION_EVENTS = 2_300_000, 5_000_000


def say(message: str) -> None:
    print(message, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=MISSION_LEARNERS // 10)
    parser.add_argument("--events", type=int, default=MISSION_EVENTS // 10)
    parser.add_argument("--orgs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the database (bench/pg_changes.py can reuse it)")
    args = parser.parse_args()

    import catalog as catalog_bench

    admin_url = catalog_bench.start_scratch_database(BENCH_DB, "[1/4]")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    import recommender.receivers as recommender_receivers
    from courses.services import catalog_import, providers_load
    from portal.population_load import _tables

    recommender_receivers._enqueue_tag_inference = lambda course_ids: None
    recommender_receivers._enqueue_stale_plans = lambda: None
    try:
        say("[2/4] standard and the sample catalog")
        call_command("migrate", verbosity=0)
        call_command("load_dss", stdout=io.StringIO())
        providers_load(records=json.loads((ROOT / "fixtures" / "sample_providers.json").read_text("utf-8")))
        catalog_import(data=(ROOT / "fixtures" / "sample_catalog.json").read_bytes(), filename="sample_catalog.json")

        say(f"[3/4] generate_population --learners {args.learners:,} --events {args.events:,} --orgs {args.orgs:,}")
        start = time.perf_counter()
        call_command("generate_population", learners=args.learners, events=args.events, orgs=args.orgs, seed=args.seed)
        generate_s = time.perf_counter() - start

        say("[4/4] baseline: the same rows COPYed into bare tables (no index, no constraint)")
        rows = 0
        baseline_s = 0.0
        volume = 0
        with connection.cursor() as cursor:
            for key, table in _tables().items():
                buffer = io.BytesIO()
                with cursor.cursor.copy(f"COPY {table} TO STDOUT") as out:
                    for block in out:
                        buffer.write(block)
                data = buffer.getvalue()
                volume += len(data)
                cursor.execute(f"CREATE TABLE bare_{key} (LIKE {table})")
                begin = time.perf_counter()
                with cursor.cursor.copy(f"COPY bare_{key} FROM STDIN") as into:
                    into.write(data)
                connection.commit() if not connection.get_autocommit() else None
                baseline_s += time.perf_counter() - begin
                cursor.execute(f"SELECT count(*) FROM bare_{key}")  # noqa: S608 - identifiers only
                count = cursor.fetchone()[0]
                rows += count
                say(f"      {table:<32}{count:>12,} rows")
        ratio = generate_s / baseline_s
        scale = (MISSION_LEARNERS / args.learners + MISSION_EVENTS / max(args.events, 1)) / 2
        figures = {
            "learners": args.learners,
            "events": args.events,
            "orgs": args.orgs,
            "rows": rows,
            "megabytes": volume / 1e6,
            "generate_seconds": generate_s,
            "raw_copy_seconds": baseline_s,
            "ratio": ratio,
            "mission_estimate_minutes": generate_s * scale / 60,
            "pg_major": connection.pg_version // 10000,  # type: ignore[attr-defined]
        }
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2))
        print()
        print(
            f"Population benchmark, PostgreSQL {figures['pg_major']}, {os.cpu_count()} CPUs: "
            f"{args.learners:,} learners, "
            f"{args.events:,} events, {rows:,} rows ({volume / 1e6:,.0f} MB as COPY text)"
        )
        print(f"{'figure':<58}{'seconds':>10}{'ratio':>9}")
        print(f"{'raw COPY of the same rows into bare tables (baseline)':<58}{baseline_s:>10.1f}{1:>8.1f}x")
        print(f"{'generate_population (generate, COPY, FKs, rollup, ANALYZE)':<58}{generate_s:>10.1f}{ratio:>8.1f}x")
        print(
            f"{'  rows per second':<58}{rows / generate_s:>10,.0f}   (raw COPY {rows / baseline_s:,.0f}/s); "
            f"the mission's size at this rate: {figures['mission_estimate_minutes']:.0f} min (target < 30)"
        )
    finally:
        connection.close()
        if not args.keep:
            catalog_bench.drop_database(admin_url)


if __name__ == "__main__":
    main()
