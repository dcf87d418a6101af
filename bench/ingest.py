#!/usr/bin/env python
"""Progress ingest benchmark on PostgreSQL, as a ratio to a baseline measured in the same run.

Posts N events (default 20,000) through POST /api/v1/progress-events/ in batches of 1,000,
with a bearer token, through Django's full request stack in-process, and compares the rate
with a raw COPY of the same rows into a scratch table.  Target: at least 0.1 of raw COPY.
Also measures replaying every batch (all duplicates) and a batch of completions.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/ingest.py
It creates (and afterwards drops) its own database `dxp_bench_ingest` on that server.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
BENCH_DB = "dxp_bench_ingest"


def say(message: str) -> None:
    print(message, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--learners", type=int, default=2_000)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here (bench/run_all.py)")
    args = parser.parse_args()

    import catalog as catalog_bench  # shares the scratch-database helpers

    admin_url = catalog_bench.start_scratch_database(BENCH_DB, "[1/5]")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from accounts.services import api_token_issue
    from courses.models import Course
    from courses.services import catalog_import, providers_load
    from learners.models import Enrollment, LearnerProfile, ProgressEvent

    try:
        say("[2/5] standard, sample catalog, learners and a submitting account")
        call_command("migrate", verbosity=0)
        call_command("load_dss", stdout=io.StringIO())
        providers_load(records=json.loads((ROOT / "fixtures" / "sample_providers.json").read_text("utf-8")))
        catalog_import(data=(ROOT / "fixtures" / "sample_catalog.json").read_bytes(), filename="sample.json")
        users = User.objects.bulk_create([User(username=f"learner{n}") for n in range(args.learners)])
        profiles = LearnerProfile.objects.bulk_create([LearnerProfile(user=u) for u in users])
        submitter = User.objects.create(username="lms", is_staff=True)
        _token, key = api_token_issue(user=submitter, name="bench")
        course_ids = list(Course.objects.values_list("pk", flat=True))

        rng = random.Random(7)  # noqa: S311 - reproducible test data, not security
        t0 = timezone.now() - timedelta(days=30)
        events: list[dict[str, Any]] = []
        for n in range(args.events):
            kind = rng.choices(["enrolled", "progress", "completed", "dropped"], [2, 6, 2, 1])[0]
            event: dict[str, Any] = {
                "idempotency_key": f"ev-{n}",
                "learner": str(profiles[rng.randrange(len(profiles))].public_id),
                "course": course_ids[rng.randrange(len(course_ids))],
                "kind": kind,
                "occurred_at": (t0 + timedelta(seconds=rng.randrange(30 * 86400))).isoformat(),
                "source": "bench-lms",
            }
            if kind == "progress":
                event["percent"] = rng.randrange(1, 100)
            events.append(event)
        batches = [events[i : i + 1000] for i in range(0, len(events), 1000)]
        bodies = [json.dumps({"events": b}).encode() for b in batches]

        say(f"[3/5] baseline: raw COPY of the same {len(events):,} rows (median of 3)")
        rows = [
            (
                e["idempotency_key"],
                e["learner"],
                e["course"],
                e["kind"],
                e.get("percent"),
                e["occurred_at"],
                e["source"],
            )
            for e in events
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE bench_events (idempotency_key text, learner uuid, course bigint, kind text, "
                "percent int, occurred_at timestamptz, source text)"
            )
        copy_times = []
        for _ in range(3):
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE bench_events")
                start = time.perf_counter()
                with cursor.cursor.copy("COPY bench_events FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                copy_times.append(time.perf_counter() - start)
        copy_s = statistics.median(copy_times)

        client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
        say(f"[4/5] ingest: {len(batches)} batches of 1,000 through the API, then all of them replayed")
        batch_times = []
        created = 0
        profiler = None
        if os.environ.get("BENCH_PROFILE"):
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        for number, body in enumerate(bodies, start=1):
            start = time.perf_counter()
            response = client.post("/api/v1/progress-events/", body, content_type="application/json")
            batch_times.append(time.perf_counter() - start)
            assert response.status_code == 200, response.content[:300]
            created += response.json()["created"]
            if number % 5 == 0 or number == len(bodies):
                say(f"      {number}/{len(bodies)} batches, {created:,} events stored")
        if profiler is not None:
            import pstats

            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(18)
        replay_times = []
        for body in bodies:
            start = time.perf_counter()
            response = client.post("/api/v1/progress-events/", body, content_type="application/json")
            replay_times.append(time.perf_counter() - start)
            assert response.json()["duplicate"] == 1000 or response.json()["created"] == 0
        ingest_s, replay_s = sum(batch_times), sum(replay_times)
        assert ProgressEvent.objects.count() == created == len(events)

        say("[5/5] results")
        n = len(events)
        copy_rate = n / copy_s
        lines = [
            f"Ingest benchmark, PostgreSQL {connection.pg_version // 10000}, {n:,} events, "  # type: ignore[attr-defined]
            f"{args.learners:,} learners, {len(course_ids)} courses, {os.cpu_count()} CPUs",
            f"{'figure':<50}{'events/s':>12}{'of COPY':>10}  target",
            f"{'raw COPY into a scratch table (baseline)':<50}{copy_rate:>12,.0f}{1:>10.3f}",
            f"{'ingest API, batches of 1,000 (new events)':<50}{n / ingest_s:>12,.0f}{n / ingest_s / copy_rate:>10.3f}"
            "  >= 0.1",
            f"{'ingest API, the same batches replayed':<50}{n / replay_s:>12,.0f}{n / replay_s / copy_rate:>10.3f}",
            f"median batch: {statistics.median(batch_times) * 1000:.0f} ms new, "
            f"{statistics.median(replay_times) * 1000:.0f} ms replayed; "
            f"{Enrollment.objects.count():,} enrollments, "
            f"{Enrollment.objects.filter(status='completed').count():,} completed",
        ]
        print()
        print("\n".join(lines))
        if args.json:
            figures = {
                "events": n,
                "copy_per_s": copy_rate,
                "ingest_per_s": n / ingest_s,
                "ingest_of_copy": n / ingest_s / copy_rate,
                "replay_per_s": n / replay_s,
                "replay_of_copy": n / replay_s / copy_rate,
                "median_batch_ms": statistics.median(batch_times) * 1000,
            }
            args.json.write_text(json.dumps(figures, indent=2))
    finally:
        connection.close()
        if not args.keep:
            catalog_bench.drop_database(admin_url)


if __name__ == "__main__":
    main()
