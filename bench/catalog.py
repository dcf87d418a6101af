#!/usr/bin/env python
"""Catalog benchmark on PostgreSQL, every figure a ratio to a baseline measured in the same run.

1. Import N courses (default 10,000, derived from fixtures/sample_catalog.json by varying codes)
   through the product's import service, against a raw COPY of the same rows into a scratch table.
   Target: import no slower than 10x raw COPY.  The service runs as in production: the follow-up
   tasks it queues (tag inference for courses without tags, the catalog sync, stale plans) are
   published to a broker (kombu's in-memory transport here, with their durable intent rows written
   as in production), not run inline as in the embedded eager mode, so the figure is the import's own.
2. Search with three filters over those courses, against a trivial DRF endpoint (/api/v1/ping),
   both through Django's full request stack in-process.  Target: median <= 3x.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/catalog.py
It creates (and afterwards drops) its own database `dxp_bench_catalog` on that server.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "dxp_bench_catalog"


def say(message: str) -> None:
    print(message, flush=True)


def bench_database_url(admin_url: str) -> str:
    parts = urlsplit(admin_url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("bench/catalog.py needs DATABASE_URL=postgres://... (it measures the PostgreSQL path)")
    return urlunsplit(parts._replace(path=f"/{BENCH_DB}"))


def recreate_database(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def drop_database(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def start_scratch_database(name: str, label: str) -> str:
    """Recreate database `name` on the DATABASE_URL server and point Django at it, throttles lifted.

    Returns the admin URL (for `drop_database`).  Shared by the other benchmarks."""
    global BENCH_DB
    BENCH_DB = name
    admin_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    url = bench_database_url(admin_url)
    say(f"{label} fresh database {name}")
    recreate_database(admin_url)
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="true",
        API_THROTTLE_ANON="1000000/minute",
        API_THROTTLE_USER="1000000/minute",
        API_THROTTLE_INGEST="1000000/minute",
    )
    return admin_url


def derive_courses(sample: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """`count` distinct courses: the sample repeated with a variant suffix on code and title."""
    out: list[dict[str, Any]] = []
    variant = 0
    while len(out) < count:
        for course in sample:
            if len(out) >= count:
                break
            copy = dict(course)
            if variant:
                copy["code"] = f"{course['code']}-V{variant}"
                copy["title_ja"] = f"{course['title_ja']}（第{variant + 1}期）"
                copy["price_jpy"] = course["price_jpy"] + (variant * 110 if course["price_jpy"] else 0)
            out.append(copy)
        variant += 1
    return out


def standard_and_catalog(count: int, filename: str) -> Any:
    """Migrate, load the standard and the sample providers, import `count` courses derived from the sample.

    Returns the current StandardVersion.  Needs Django set up (shared by the other benchmarks)."""
    from django.core.management import call_command

    from courses.services import catalog_import, providers_load
    from skills.selectors import standard_version_get

    call_command("migrate", verbosity=0)
    call_command("load_dss", stdout=io.StringIO())
    providers_load(records=json.loads((ROOT / "fixtures" / "sample_providers.json").read_text("utf-8")))
    sample = json.loads((ROOT / "fixtures" / "sample_catalog.json").read_text("utf-8"))
    courses = derive_courses(sample, count)
    catalog_import(data=json.dumps(courses, ensure_ascii=False).encode(), filename=filename)
    return standard_version_get()


def create_learners(count: int, roles: list[Any], items: list[Any], prefix: str = "b") -> tuple[list[Any], list[Any]]:
    """`count` learners with target roles, limits and four self-assessed item levels each, varied by index.

    Returns the profiles (each with its user) and each learner's levels by item code.  Shared by the benchmarks."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from learners.models import LearnerProfile, SkillAssessment

    users = User.objects.bulk_create([User(username=f"{prefix}{n}") for n in range(count)], batch_size=2000)
    profiles = LearnerProfile.objects.bulk_create(
        [
            LearnerProfile(
                user=u,
                target_role=roles[n % len(roles)],
                weekly_hours=3 + n % 6,
                budget_jpy=(n % 5) * 20000,
                preferred_formats=["e-learning", "live-online"] if n % 3 else [],
            )
            for n, u in enumerate(users)
        ],
        batch_size=2000,
    )
    picks = [[(items[(n * 7 + k) % len(items)], (n + k) % 4) for k in range(4)] for n in range(count)]
    now = timezone.now()
    SkillAssessment.objects.bulk_create(
        [
            SkillAssessment(learner=p, skill_item=item, level=level, source="self", assessed_at=now)
            for p, pairs in zip(profiles, picks, strict=True)
            for item, level in pairs
        ],
        batch_size=5000,
    )
    return profiles, [{item.code: level for item, level in pairs} for pairs in picks]


def median_seconds(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def raw_copy_seconds(courses: list[dict[str, Any]], repeat: int, *, trigram_index: bool = False) -> float:
    """COPY the same rows, as text, into a scratch table: the floor for any import.

    With `trigram_index`, the scratch table carries the same kind of GIN trigram index
    the catalog keeps on its search text, so the index's own cost shows separately."""
    from django.db import connection

    from courses.catalog_format import COLUMNS as columns

    rows = [
        (
            *(c[k] for k in columns),
            ";".join(f"{s['code']}:{s['level']}" for s in c.get("skills", [])),
            ";".join(c.get("literacy", [])),
        )
        for c in courses
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_copy (provider text, code text, title_ja text, title_en text, "
            "description_ja text, description_en text, url text, level int, hours numeric, price_jpy int, "
            "format text, language text, prefecture text, reskill_certified bool, "
            "training_benefit_eligible bool, skills text, literacy text)"
        )
        cursor.execute("DROP INDEX IF EXISTS bench_copy_trgm")
        if trigram_index:
            cursor.execute(
                "CREATE INDEX bench_copy_trgm ON bench_copy USING gin "
                "(lower(title_ja || ' ' || title_en || ' ' || description_ja || ' ' || description_en) gin_trgm_ops)"
            )

    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE bench_copy")
            raw = cursor.cursor  # psycopg 3 cursor under Django's wrapper
            with raw.copy("COPY bench_copy FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    return median_seconds(run, repeat)


def main() -> None:
    global BENCH_DB
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--courses", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200, help="requests per endpoint for the latency figures")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--json", type=Path, help="also write the figures here (bench/run_all.py)")
    parser.add_argument("--database", default=BENCH_DB, help=f"scratch database name (default {BENCH_DB})")
    args = parser.parse_args()
    BENCH_DB = args.database

    admin_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    url = bench_database_url(admin_url)
    say(f"[1/6] fresh database {BENCH_DB}")
    recreate_database(admin_url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DJANGO_DEBUG"] = "true"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    os.environ["API_THROTTLE_ANON"] = "1000000/minute"  # measure the endpoints, not the throttle
    os.environ["API_THROTTLE_USER"] = "1000000/minute"
    # Tasks are queued, not run inline: tag inference of the courses without tags is a worker's job.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from courses.catalog_format import parse_catalog
    from courses.models import Course, CourseSkill
    from courses.services import catalog_import, catalog_vocabulary, providers_load

    try:
        say("[2/6] migrate, load the standard and the providers")
        call_command("migrate", verbosity=0)
        call_command("load_dss", stdout=io.StringIO())
        providers_load(records=json.loads((ROOT / "fixtures" / "sample_providers.json").read_text("utf-8")))
        sample = json.loads((ROOT / "fixtures" / "sample_catalog.json").read_text("utf-8"))
        courses = derive_courses(sample, args.courses)
        data = json.dumps(courses, ensure_ascii=False).encode("utf-8")
        say(f"      {len(courses):,} courses, {len(data) / 1e6:.1f} MB of JSON")

        say("[3/6] baselines: raw COPY of the same rows, without and with a trigram index (median of 3)")
        copy_s = raw_copy_seconds(courses, repeat=3)
        copy_indexed_s = raw_copy_seconds(courses, repeat=3, trigram_index=True)
        vocab = catalog_vocabulary()
        parse_s = median_seconds(lambda: parse_catalog(data, filename="bench.json", vocab=vocab), repeat=3)

        say("[4/6] import through catalog_import: into an empty catalog, again unchanged, again with changes")
        start = time.perf_counter()
        first = catalog_import(data=data, filename="bench.json")
        import_s = time.perf_counter() - start
        assert first.run.created == len(courses), first.issues[:3]
        start = time.perf_counter()
        again = catalog_import(data=data, filename="bench.json")
        reimport_s = time.perf_counter() - start
        assert again.run.unchanged == len(courses)
        changed = [dict(c, price_jpy=c["price_jpy"] + 10) for c in courses]
        start = time.perf_counter()
        update = catalog_import(data=json.dumps(changed, ensure_ascii=False).encode(), filename="bench.json")
        update_s = time.perf_counter() - start
        assert update.run.updated == len(courses)
        tags = CourseSkill.objects.count()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk insert (visibility map)

        say(f"[5/6] search with three filters vs /api/v1/ping, {args.requests} requests each, interleaved")
        client = Client()

        def search(max_price: int) -> dict[str, str]:
            return {"q": "データ", "level": "2,3", "max_price": str(max_price)}

        hits = client.get("/api/v1/courses/", search(100_000)).json()["count"]
        for _ in range(10):  # warm up both paths
            client.get("/api/v1/ping")
            client.get("/api/v1/courses/", search(100_000))
        ping_t: list[float] = []
        cold_t: list[float] = []
        warm_t: list[float] = []
        for i in range(args.requests):
            for bucket, path, params in (
                (ping_t, "/api/v1/ping", None),
                (cold_t, "/api/v1/courses/", search(50_000 + i)),  # a new search each time: no cache hit
                (warm_t, "/api/v1/courses/", search(100_000)),  # the same search again: cached answer
            ):
                start = time.perf_counter()
                response = client.get(path, params)
                bucket.append(time.perf_counter() - start)
                assert response.status_code == 200

        say("[6/6] results")
        n = Course.objects.count()
        pg_major = connection.pg_version // 10000  # type: ignore[attr-defined]
        ping_med = statistics.median(ping_t)
        cold_med, warm_med = statistics.median(cold_t), statistics.median(warm_t)
        figures = {
            "courses": n,
            "tags": tags,
            "copy_seconds": copy_s,
            "copy_indexed_seconds": copy_indexed_s,
            "parse_seconds": parse_s,
            "import_seconds": import_s,
            "reimport_seconds": reimport_s,
            "update_seconds": update_s,
            "import_ratio": import_s / copy_s,
            "reimport_ratio": reimport_s / copy_s,
            "update_ratio": update_s / copy_s,
            "parse_ratio": parse_s / copy_s,
            "ping_ms": ping_med * 1000,
            "search_cold_ms": cold_med * 1000,
            "search_cold_p95_ms": statistics.quantiles(cold_t, n=20)[-1] * 1000,
            "search_warm_ms": warm_med * 1000,
            "search_cold_ratio": cold_med / ping_med,
            "search_warm_ratio": warm_med / ping_med,
            "search_hits": hits,
            "requests": args.requests,
        }
        lines = [
            f"Catalog benchmark, PostgreSQL {pg_major}, {n:,} courses, {tags:,} skill tags, {os.cpu_count()} CPUs",
            f"{'figure':<52}{'value':>14}{'ratio':>9}  target",
            f"{'raw COPY into a scratch table (baseline)':<52}{len(courses) / copy_s:>10,.0f} r/s{1:>8.1f}x",
            f"{'raw COPY into a table with a trigram index':<52}{len(courses) / copy_indexed_s:>10,.0f} r/s"
            f"{copy_indexed_s / copy_s:>8.1f}x",
            f"{'parse and validate the file only':<52}{len(courses) / parse_s:>10,.0f} r/s{parse_s / copy_s:>8.1f}x",
            f"{'import into an empty catalog':<52}{len(courses) / import_s:>10,.0f} r/s{import_s / copy_s:>8.1f}x"
            "  <= 10x",
            f"{'import again, nothing changed':<52}{len(courses) / reimport_s:>10,.0f} r/s{reimport_s / copy_s:>8.1f}x",
            f"{'import again, every course changed':<52}{len(courses) / update_s:>10,.0f} r/s"
            f"{update_s / copy_s:>8.1f}x",
            f"{'trivial endpoint /api/v1/ping (baseline), median':<52}{ping_med * 1000:>11.2f} ms{1:>8.1f}x",
        ]
        for label, times in (("search, new query each time (uncached)", cold_t), ("search, repeated (cached)", warm_t)):
            med, p95 = statistics.median(times), statistics.quantiles(times, n=20)[-1]
            lines.append(f"{label + ', median':<52}{med * 1000:>11.2f} ms{med / ping_med:>8.1f}x  <= 3x")
            lines.append(f"{label + ', p95':<52}{p95 * 1000:>11.2f} ms{p95 / ping_med:>8.1f}x")
        lines.append(f"(the search matched {hits:,} courses; a ratio is time / baseline time)")
        lines.append(
            f"import / COPY = {figures['import_ratio']:.1f}x (target <= 10x): "
            f"{'met' if figures['import_ratio'] <= 10 else 'NOT met'}; "
            f"uncached search / ping = {figures['search_cold_ratio']:.1f}x (target <= 3x): "
            f"{'met' if figures['search_cold_ratio'] <= 3 else 'NOT met'}"
        )
        print()
        print("\n".join(lines))
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2))
    finally:
        connection.close()
        if not args.keep:
            drop_database(admin_url)


if __name__ == "__main__":
    main()
