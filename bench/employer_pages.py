#!/usr/bin/env python
"""The employer's pages for one large organization, each as a ratio to a ping (GET /healthz) of the same run.

Builds, on its own PostgreSQL database, an organization of 7,259 members (the largest of the generated
national population) with target roles, consent flags, ~16 skill assessments each, five tracks assigned to
1,500 members each with some completions, then measures through Django's full request stack in-process,
interleaved with the ping: the dashboard API, the member list API (first page, and a page 40 pages in by
following the cursors), and the team page /team/<org>/ (first page, and a page 40 pages in).  Target
(issue 20 item 3): dashboard and member list ≤ 20× the ping (median).

The same script measures the code before the rollups (run it from a checkout of that commit: there the
member list has no cursor and answers every member; the team page's later page is `?page=41`).

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/employer_pages.py \\
        [--database dxp_bench_employer (or EMPLOYER_BENCH_DB)] [--members 7259] [--requests 15] [--keep]
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
LATER_PAGE = 40  # how many pages in the "later page" is


def say(message: str) -> None:
    print(message, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=os.environ.get("EMPLOYER_BENCH_DB", "dxp_bench_employer"))
    parser.add_argument("--members", type=int, default=7_259)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here (bench/run_all.py)")
    args = parser.parse_args()

    import catalog as catalog_bench  # the scratch-database helpers

    admin_url = catalog_bench.start_scratch_database(args.database, "[1/4]")
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("RECOMMENDER_DENSE", "false")  # the catalog's tags do not matter here; skip the model
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from courses.models import Course
    from courses.services import catalog_import, providers_load
    from learners.models import (
        AssessmentSource,
        Enrollment,
        EnrollmentStatus,
        LearnerProfile,
        Membership,
        Organization,
        SkillAssessment,
        Track,
        TrackAssignment,
        TrackCourse,
    )
    from skills.models import Role, SkillItem

    try:
        say(f"[2/4] standard, sample catalog, an organization of {args.members:,} members")
        call_command("migrate", verbosity=0)
        call_command("load_dss", stdout=io.StringIO())
        providers_load(records=json.loads((ROOT / "fixtures" / "sample_providers.json").read_text("utf-8")))
        catalog_import(data=(ROOT / "fixtures" / "sample_catalog.json").read_bytes(), filename="sample.json")
        rng = random.Random(20)  # noqa: S311 - reproducible test data, not security
        build = time.perf_counter()
        org = Organization.objects.create(name="Bench K.K.", industry="E", prefecture="13", size_band="1001+")
        admin = User.objects.create(username="bench-admin")
        Membership.objects.create(user=admin, organization=org, kind=Membership.Kind.ADMIN)
        roles = list(Role.objects.filter(version__is_current=True).values_list("pk", flat=True))
        items = list(SkillItem.objects.filter(version__is_current=True).values_list("pk", flat=True))
        users = User.objects.bulk_create(
            [
                User(username=f"member{n:05d}", first_name=f"名{n % 97}", last_name=f"姓{n % 89}")
                for n in range(args.members)
            ],
            batch_size=2000,
        )
        profiles = LearnerProfile.objects.bulk_create(
            [
                LearnerProfile(
                    user=u,
                    target_role_id=rng.choice(roles),
                    share_target_role=rng.random() < 0.9,
                    share_levels=rng.random() < 0.8,
                    share_track_progress=rng.random() < 0.85,
                )
                for u in users
            ],
            batch_size=2000,
        )
        Membership.objects.bulk_create([Membership(user=u, organization=org) for u in users], batch_size=2000)
        now = timezone.now()
        assessments = [
            SkillAssessment(
                learner=p,
                skill_item_id=item_id,
                level=rng.randint(0, 4),
                source=rng.choice([AssessmentSource.SELF, AssessmentSource.SELF, AssessmentSource.MANAGER]),
                assessed_at=now - timedelta(days=rng.randint(1, 400)),
                note="",
            )
            for p in profiles
            for item_id in rng.sample(items, 16)
        ]
        SkillAssessment.objects.bulk_create(assessments, batch_size=5000)
        courses = list(Course.objects.order_by("pk").values_list("pk", flat=True)[:15])
        for t in range(5):
            track = Track.objects.create(organization=org, name=f"Track {t}", created_by=admin)
            TrackCourse.objects.bulk_create(
                [
                    TrackCourse(track=track, course_id=c, position=n, due_offset_days=30 * (n + 1), required=n < 3)
                    for n, c in enumerate(courses[3 * t : 3 * t + 3])
                ]
            )
            chosen = rng.sample(profiles, 1500)
            TrackAssignment.objects.bulk_create(
                [
                    TrackAssignment(
                        track=track,
                        learner=p,
                        assigned_on=day,
                        due_on=day + timedelta(days=rng.randint(30, 240)),
                        assigned_by=admin,
                    )
                    for p, day in ((p, timezone.localdate() - timedelta(days=rng.randint(0, 200))) for p in chosen)
                ]
            )
            Enrollment.objects.bulk_create(
                [
                    Enrollment(
                        learner=p,
                        course_id=courses[3 * t + rng.randrange(3)],
                        status=EnrollmentStatus.COMPLETED,
                        percent=100,
                        enrolled_at=now - timedelta(days=100),
                        completed_at=now - timedelta(days=10),
                        last_event_at=now - timedelta(days=10),
                    )
                    for p in chosen[:700]
                ],
                ignore_conflicts=True,
            )
        build_s = time.perf_counter() - build
        rollup_s = None
        try:  # the rollups (bulk_create sends no model signal); absent before them
            from learners.services.rollups import org_rollups_rebuild
        except ImportError:
            pass
        else:
            start = time.perf_counter()
            org_rollups_rebuild()
            rollup_s = time.perf_counter() - start
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        say(
            f"      built in {build_s:.1f} s ({len(assessments):,} assessments, 7,500 assignments)"
            + (f"; rollups rebuilt in {rollup_s:.1f} s" if rollup_s is not None else "; no rollups (before)")
        )

        client = Client()
        client.force_login(admin)

        def get(path: str, params: dict[str, str] | None = None) -> Any:
            response = client.get(path, params or {})
            assert response.status_code == 200, (path, response.status_code, response.content[:300])
            return response

        api = f"/api/v1/orgs/{org.pk}/members"
        say(f"[3/4] finding page {LATER_PAGE + 1} of the member list and of the team page")
        later_api: dict[str, str] = {}
        response = get(api)
        for _ in range(LATER_PAGE):
            if "X-Next-Cursor" not in response:
                break
            later_api = {"cursor": response["X-Next-Cursor"]}
            response = get(api, later_api)
        paged_api = bool(later_api)
        team = f"/team/{org.pk}/"
        html = get(team).content.decode()
        later_team: dict[str, str] = {"page": str(LATER_PAGE + 1)}
        if 'rel="next" href="?cursor=' in html:
            for _ in range(LATER_PAGE):
                marker = html.find('rel="next" href="?cursor=')
                if marker < 0:
                    break
                start = marker + len('rel="next" href="?cursor=')
                later_team = {"cursor": html[start : html.index("#", start)]}
                html = get(team, later_team).content.decode()

        endpoints: list[tuple[str, str, dict[str, str] | None]] = [
            ("GET /api/v1/orgs/<org>/dashboard", f"/api/v1/orgs/{org.pk}/dashboard", None),
            ("GET /api/v1/orgs/<org>/members (first page)" if paged_api else "GET /api/v1/orgs/<org>/members (all)",
             api, None),
            (f"GET /api/v1/orgs/<org>/members (page {LATER_PAGE + 1})" if paged_api
             else "GET /api/v1/orgs/<org>/members (all; no pages)", api, later_api or None),
            ("GET /team/<org>/ (first page)", team, None),
            (f"GET /team/<org>/ (page {LATER_PAGE + 1})", team, later_team),
        ]  # fmt: skip
        for _label, path, params in endpoints:
            get(path, params)  # warm up
        say(f"[4/4] {args.requests} requests each, interleaved with the ping GET /healthz")
        rows = []
        for label, path, params in endpoints:
            base, times = [], []
            for _ in range(args.requests):
                start = time.perf_counter()
                get("/healthz")
                base.append(time.perf_counter() - start)
                start = time.perf_counter()
                get(path, params)
                times.append(time.perf_counter() - start)
            b, m = statistics.median(base), statistics.median(times)
            rows.append({"endpoint": label, "ping_ms": b * 1000, "median_ms": m * 1000, "ratio": m / b,
                         "p95_ms": statistics.quantiles(times, n=20)[-1] * 1000})  # fmt: skip
            say(f"      {label:<50}{m * 1000:>9.1f} ms  {m / b:>7.1f}x ping")
        figures = {
            "members": args.members,
            "assessments": len(assessments),
            "rollups_rebuild_s": rollup_s,
            "endpoints": rows,
            "target_ratio": 20,
            "pg_major": connection.pg_version // 10000,  # type: ignore[attr-defined]
        }
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2))
        print()
        print(f"Employer pages, one organization of {args.members:,} members (PostgreSQL {figures['pg_major']})")
        print(f"{'endpoint':<52}{'median':>10}{'p95':>10}{'ping':>9}{'× ping':>9}")
        for r in rows:
            print(
                f"{r['endpoint']:<52}{r['median_ms']:>8.1f}ms{r['p95_ms']:>8.1f}ms{r['ping_ms']:>7.2f}ms"
                f"{r['ratio']:>8.1f}x"
            )
    finally:
        connection.close()
        if not args.keep:
            catalog_bench.drop_database(admin_url)


if __name__ == "__main__":
    main()
