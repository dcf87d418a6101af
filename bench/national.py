#!/usr/bin/env python
"""National rollup benchmark on PostgreSQL, as ratios to a baseline measured in the same run.

1. Generate 2.3 million learners (users, profiles, 35% employed by one of 2,000 organizations)
   and 5 million completion records (completed enrollments of the sample catalog's courses,
   FY2021 to FY2026), all with COPY.
2. Build the rollup from scratch (rebuild_national).
3. The breakdown by prefecture and fiscal year: from the rollup cells, through the selector (with
   suppression) and through the API, against the same numbers from one GROUP BY over the raw
   tables (the counting rule in SQL: first qualifying completion per learner, the learner's or
   else their organization's prefecture, the Japan fiscal year).  The numbers must be identical.
   Target: the rollup answer at least 50x faster.
4. A full reconcile (every person and every cell recomputed from the raw records): its time.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/national.py
It creates (and afterwards drops) its own database `dxp_bench_national` on that server.
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
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
# This file is bench/national.py: keep bench/ behind the project so `national` is the app, not this file.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(ROOT))
sys.path.append(str(BENCH))
BENCH_DB = "dxp_bench_national"
COPY_CHUNK = 50_000


def say(message: str) -> None:
    print(message, flush=True)


def median_seconds(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def copy_rows(table: str, columns: str, lines: Iterator[str], total: int, label: str) -> float:
    """COPY text lines into a table in chunks, reporting progress; returns seconds."""
    from django.db import connection

    start = time.perf_counter()
    done = 0
    step = max(total // 5, 1)
    next_report = step
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        chunk: list[str] = []
        for line in lines:
            chunk.append(line)
            if len(chunk) == COPY_CHUNK:
                copy.write("".join(chunk))
                done += len(chunk)
                chunk = []
                if done >= next_report:
                    say(f"      {label}: {done:,} / {total:,} ({time.perf_counter() - start:.0f} s)")
                    next_report += step
        if chunk:
            copy.write("".join(chunk))
            done += len(chunk)
    seconds = time.perf_counter() - start
    say(f"      {label}: {done:,} rows in {seconds:.1f} s ({done / seconds:,.0f} rows/s)")
    return seconds


RAW_BREAKDOWN_SQL = """
WITH qualifying AS ({qualifying}),
first AS (
    SELECT DISTINCT ON (e.learner_id) e.learner_id, e.completed_at
    FROM learners_enrollment e
    WHERE e.status = 'completed' AND e.course_id IN (SELECT pk FROM qualifying)
    ORDER BY e.learner_id, e.completed_at, e.id
),
counted AS (
    SELECT COALESCE(NULLIF(p.prefecture, ''), org.prefecture, '') AS prefecture,
           EXTRACT(YEAR FROM (f.completed_at AT TIME ZONE 'Asia/Tokyo') - INTERVAL '3 months')::int AS fiscal_year
    FROM first f
    JOIN learners_learnerprofile p ON p.id = f.learner_id
    LEFT JOIN LATERAL (
        SELECT o.prefecture FROM learners_membership m JOIN learners_organization o ON o.id = m.organization_id
        WHERE m.user_id = p.user_id AND m.left_on IS NULL ORDER BY m.joined_on DESC, m.id DESC LIMIT 1
    ) org ON true
)
SELECT prefecture, fiscal_year, count(*) FROM counted WHERE fiscal_year >= 2022 GROUP BY 1, 2
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=2_300_000)
    parser.add_argument("--completions", type=int, default=5_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--json", type=Path, help="also write the figures here (bench/run_all.py)")
    args = parser.parse_args()

    import catalog as catalog_bench  # bench/catalog.py: the scratch-database helpers

    admin_url = catalog_bench.start_scratch_database(BENCH_DB, "[1/7]")
    os.environ.pop("CELERY_BROKER_URL", None)  # tasks in-process
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    import recommender.receivers as recommender_receivers
    from accounts.models import RoleGroup
    from accounts.services import user_role_grant
    from common.reference import INDUSTRIES, ORGANIZATION_SIZE_BANDS, PREFECTURES
    from courses.models import Course
    from courses.services import catalog_import, providers_load
    from learners.models import Organization
    from national.models import NationalCell, NationalCount
    from national.selectors import national_breakdown
    from national.services import national_rebuild, national_reconcile, qualifying_courses
    from skills.models import Role

    try:
        say("[2/7] migrate, load the standard, the providers and the sample catalog")
        call_command("migrate", verbosity=0)
        call_command("load_dss", stdout=io.StringIO())
        providers_load(records=json.loads((ROOT / "fixtures" / "sample_providers.json").read_text("utf-8")))
        recommender_receivers._enqueue_tag_inference = lambda course_ids: None  # no model here
        catalog_import(data=(ROOT / "fixtures" / "sample_catalog.json").read_bytes(), filename="sample.json")
        courses = list(Course.objects.order_by("pk").values_list("pk", flat=True))
        qualifying = set(qualifying_courses().values_list("pk", flat=True))
        roles = list(Role.objects.values_list("pk", flat=True))
        say(f"      {len(courses)} courses, {len(qualifying)} of them qualifying")

        rng = random.Random(2300)  # noqa: S311 - reproducible benchmark data
        prefectures = list(PREFECTURES)
        big = {"13": 12, "27": 6, "14": 6, "23": 5, "11": 5, "12": 4, "01": 4, "28": 4, "40": 4}
        prefecture_weights = [big.get(p, 1) for p in prefectures]
        industries = list(INDUSTRIES)
        organizations = Organization.objects.bulk_create(
            [
                Organization(
                    name=f"ベンチ株式会社{n}",
                    industry=rng.choice(industries),
                    prefecture=rng.choices(prefectures, prefecture_weights)[0],
                    size_band=rng.choice(ORGANIZATION_SIZE_BANDS),
                )
                for n in range(2000)
            ]
        )
        org_ids = [o.pk for o in organizations]

        n_learners, n_completions = args.learners, args.completions
        say(f"[3/7] generate {n_learners:,} learners and {n_completions:,} completion records with COPY")
        first_id = 1_000_001  # explicit ids, clear of the ORM's own rows
        ids = range(first_id, first_id + n_learners)
        copy_s = copy_rows(
            "auth_user",
            "id, password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined",
            (f"{i}\t!\tf\tb{i}\t\t\t\tf\tt\t2021-04-01 00:00:00+09\n" for i in ids),
            n_learners,
            "users",
        )
        pref_draw = rng.choices(prefectures, prefecture_weights, k=n_learners)
        ind_draw = rng.choices(industries, k=n_learners)
        employed = [rng.random() < 0.35 for _ in range(n_learners)]

        def profiles() -> Iterator[str]:
            for k, i in enumerate(ids):
                blank = employed[k] and (i % 5 < 2)  # 40% of employees leave it to their employer
                role = rng.choice(roles) if rng.random() < 0.8 else None
                yield (
                    f"{i}\t{i}\t00000000-0000-4000-8000-{i:012x}\t{'' if blank else pref_draw[k]}\t"
                    f"{'' if blank else ind_draw[k]}\t{role if role else chr(92) + 'N'}\t3\t0\tf\t[]\tja\tt\tt\tt\t"
                    "2021-04-01 00:00:00+09\n"
                )

        copy_s += copy_rows(
            "learners_learnerprofile",
            "id, user_id, public_id, prefecture, industry, target_role_id, weekly_hours, budget_jpy, free_only, "
            "preferred_formats, preferred_language, share_target_role, share_levels, share_track_progress, created_at",
            profiles(),
            n_learners,
            "profiles",
        )
        copy_s += copy_rows(
            "learners_membership",
            "user_id, organization_id, kind, joined_on",
            (f"{i}\t{rng.choice(org_ids)}\temployee\t2020-04-01\n" for k, i in enumerate(ids) if employed[k]),
            sum(employed),
            "memberships",
        )
        # Completions per learner: 1-4, adjusted so that the total is exactly n_completions.
        per = rng.choices([1, 2, 3, 4], [35, 30, 20, 15], k=n_learners)
        gap = n_completions - sum(per)
        k = 0
        while gap:
            if gap > 0 and per[k] < 4:
                per[k] += 1
                gap -= 1
            elif gap < 0 and per[k] > 1:
                per[k] -= 1
                gap += 1
            k = (k + 1) % n_learners
        day0 = date(2021, 4, 1)
        days = (date(2026, 10, 31) - day0).days
        day_text = [(day0 + timedelta(days=d)).isoformat() for d in range(days + 1)]
        # More people every year: a day drawn with a rising density.
        day_weights = [1 + 2 * d / days for d in range(days + 1)]
        starts = rng.choices(range(days + 1), day_weights, k=n_learners)

        def enrollments() -> Iterator[str]:
            for k, i in enumerate(ids):
                day = starts[k]
                for course in rng.sample(courses, per[k]):
                    done = f"{day_text[day]} {rng.randrange(9, 21):02d}:{rng.randrange(60):02d}:00+09"
                    yield f"{i}\t{course}\tcompleted\t100\t{done}\t{done}\t{done}\t{done}\n"
                    day = min(days, day + rng.randrange(20, 300))

        copy_s += copy_rows(
            "learners_enrollment",
            "learner_id, course_id, status, percent, enrolled_at, completed_at, last_event_at, updated_at",
            enrollments(),
            n_completions,
            "completions",
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

        say("[4/7] build the rollup from scratch (rebuild_national)")
        started = time.perf_counter()
        report_at = [0]

        def progress(done: int, total: int) -> None:
            if done >= report_at[0] or done == total:
                say(f"      {done:,} / {total:,} people counted ({time.perf_counter() - started:.0f} s)")
                report_at[0] = done + max(total // 5, 1)

        people = national_rebuild(progress=progress)
        rebuild_s = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        say(f"      {people:,} people counted, {NationalCell.objects.filter(people__gt=0).count():,} cells")

        say("[5/7] breakdown by prefecture and fiscal year: GROUP BY over the raw tables (median of 3)")
        qualifying_sql, qualifying_params = qualifying_courses().values("pk").query.sql_with_params()
        raw_sql = RAW_BREAKDOWN_SQL.format(qualifying=qualifying_sql)
        raw: dict[tuple[str, int], int] = {}

        def raw_breakdown() -> None:
            with connection.cursor() as cursor:
                cursor.execute(raw_sql, qualifying_params)
                raw.clear()
                raw.update({(p, fy): n for p, fy, n in cursor.fetchall()})

        raw_s = median_seconds(raw_breakdown, 3)

        say("[6/7] the same from the rollup: the cells, the selector (suppression), the API (median of 50)")
        analyst = User.objects.create(username="analyst")
        user_role_grant(user=analyst, role=RoleGroup.MINISTRY)
        rolled: dict[tuple[str, int], int] = {}

        def rollup_cells() -> None:
            rolled.clear()
            rolled.update(
                {
                    (p, fy): n
                    for p, fy, n in NationalCell.objects.filter(grouping=3, people__gt=0).values_list(
                        "prefecture", "fiscal_year", "people"
                    )
                }
            )

        cells_s = median_seconds(rollup_cells, 50)
        answer: list[Any] = []

        def selector() -> None:
            answer[:] = national_breakdown(viewer=analyst, dimensions=("prefecture", "fiscal_year")).cells

        selector_s = median_seconds(selector, 50)
        client = Client()
        client.force_login(analyst)
        api_s = median_seconds(
            lambda: client.get("/api/v1/national/breakdown", {"by": "prefecture,fiscal_year"}).json(), 50
        )
        if rolled != raw:
            diff = {k: (rolled.get(k), raw.get(k)) for k in set(rolled) | set(raw) if rolled.get(k) != raw.get(k)}
            raise AssertionError(
                f"the rollup and the GROUP BY over the raw tables disagree: {sorted(diff.items())[:10]}"
            )
        published = {(c.values[0], c.values[1]): c.people for c in answer if c.people is not None}
        assert all(raw.get(key, 0) == people for key, people in published.items())

        say("[7/7] full reconcile: every person and every cell recomputed from the raw records")
        started = time.perf_counter()
        report = national_reconcile()
        reconcile_s = time.perf_counter() - started
        assert report.ok, (report.person_differences[:5], report.cell_differences[:5])

        pg_major = connection.pg_version // 10000  # type: ignore[attr-defined]
        counted = NationalCount.objects.count()
        hidden = sum(1 for c in answer if c.suppressed)
        lines = [
            f"National rollup benchmark, PostgreSQL {pg_major}, {n_learners:,} learners, "
            f"{n_completions:,} completion records, {counted:,} people counted, {os.cpu_count()} CPUs",
            f"{'figure':<62}{'value':>12}{'ratio':>10}  target",
            f"{'breakdown prefecture x fiscal year, GROUP BY over raw tables':<62}{raw_s * 1000:>9,.0f} ms"
            f"{1:>9.1f}x  (baseline)",
            f"{'the same numbers read from the rollup cells':<62}{cells_s * 1000:>9.2f} ms"
            f"{raw_s / cells_s:>9,.0f}x  >= 50x faster",
            f"{'the breakdown through the selector (with suppression)':<62}{selector_s * 1000:>9.2f} ms"
            f"{raw_s / selector_s:>9,.0f}x  >= 50x faster",
            f"{'GET /api/v1/national/breakdown?by=prefecture,fiscal_year':<62}{api_s * 1000:>9.2f} ms"
            f"{raw_s / api_s:>9,.0f}x",
            f"{'full reconcile (every person and cell recomputed, 0 differences)':<62}{reconcile_s:>10.1f} s",
            f"{'build the rollup from scratch (rebuild_national)':<62}{rebuild_s:>10.1f} s",
            f"{'generate the raw data with COPY':<62}{copy_s:>10.1f} s",
            f"(identical numbers: {len(raw)} prefecture x fiscal-year cells, {sum(raw.values()):,} people; "
            f"{hidden} of {len(answer)} cells suppressed in the answer; a ratio is baseline time / time)",
        ]
        print()
        print("\n".join(lines))
        if args.json:
            figures = {
                "learners": n_learners,
                "completions": n_completions,
                "counted": counted,
                "raw_group_by_ms": raw_s * 1000,
                "cells_ms": cells_s * 1000,
                "selector_ms": selector_s * 1000,
                "api_ms": api_s * 1000,
                "api_speedup": raw_s / api_s,
                "selector_speedup": raw_s / selector_s,
                "reconcile_s": reconcile_s,
                "rebuild_s": rebuild_s,
            }
            args.json.write_text(json.dumps(figures, indent=2))
    finally:
        connection.close()
        if not args.keep:
            catalog_bench.drop_database(admin_url)


if __name__ == "__main__":
    main()
