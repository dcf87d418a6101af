#!/usr/bin/env python
"""The product's endpoints on a generated national population, each against a trivial endpoint of the same run.

Runs on the database bench/population.py leaves with --keep (default `dxp_bench_population`; the
mission's size with `bench/run_all.py --full`).  Through Django's full request stack in-process:
a learner's gaps, stored plan and recomputed plan, their data export; the team dashboard and member
list of the largest organization; the national progress and a two-way breakdown; a batch of 100
progress events from a company LMS.  The baseline is GET /api/v1/ping as the same user.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/at_scale.py
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def say(message: str) -> None:
    print(message, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="dxp_bench_population")
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    admin = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    os.environ.update(
        DATABASE_URL=urlunsplit(urlsplit(admin)._replace(path=f"/{args.database}")),
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="true",
        API_THROTTLE_ANON="1000000/minute",
        API_THROTTLE_USER="1000000/minute",
        API_THROTTLE_INGEST="1000000/minute",
    )
    os.environ.pop("CELERY_BROKER_URL", None)  # tasks in-process: an ingest's re-plan is part of its cost
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from accounts.models import RoleGroup
    from accounts.services import user_role_grant
    from learners.models import Enrollment, LearnerProfile, Membership, Organization

    learners = LearnerProfile.objects.count()
    say(f"[1/3] {args.database}: {learners:,} learners; choosing the people to act as")
    learner = (
        LearnerProfile.objects.filter(target_role__isnull=False, enrollments__status="completed")
        .select_related("user")
        .order_by("-pk")
        .first()
    )
    assert learner is not None, "no learner with a target role and a completion: is this a generated population?"
    largest = (
        Organization.objects.annotate(people=Count("memberships")).order_by("-people", "pk").values("pk", "people")
    ).first()
    assert largest is not None
    org_id, members = largest["pk"], largest["people"]
    admin_user = Membership.objects.get(organization_id=org_id, kind="admin").user
    analyst, _ = User.objects.get_or_create(username="bench-analyst")
    user_role_grant(user=analyst, role=RoleGroup.MINISTRY)
    staff_ids = list(
        LearnerProfile.objects.filter(
            user__memberships__organization_id=org_id, user__memberships__kind="employee"
        ).values_list("public_id", flat=True)[:100]
    )
    course_id = Enrollment.objects.filter(learner=learner).values_list("course_id", flat=True).first()

    clients = {}
    for name, user in (("learner", learner.user), ("employer", admin_user), ("analyst", analyst)):
        clients[name] = Client()
        clients[name].force_login(user)
    batch_counter = [0]

    def ingest_body() -> str:
        batch_counter[0] += 1
        when = timezone.now() - timedelta(days=1)
        return json.dumps(
            [
                {
                    "idempotency_key": f"bench-{batch_counter[0]}-{n}",
                    "learner": str(public_id),
                    "course": course_id,
                    "kind": "progress",
                    "percent": 10 + n % 80,
                    "occurred_at": when.isoformat(),
                    "source": "bench",
                }
                for n, public_id in enumerate(staff_ids)
            ]
        )

    endpoints: list[tuple[str, str, str, str, Any]] = [
        ("learner", "GET /api/v1/me/gaps", "get", "/api/v1/me/gaps", None),
        ("learner", "GET /api/v1/me/plan (stored)", "get", "/api/v1/me/plan", None),
        ("learner", "POST /api/v1/me/plan (recompute)", "post", "/api/v1/me/plan", "{}"),
        ("learner", "GET /api/v1/me/export", "get", "/api/v1/me/export", None),
        ("employer", f"GET /api/v1/orgs/<largest>/dashboard ({members:,} people)", "get",
         f"/api/v1/orgs/{org_id}/dashboard", None),
        ("employer", "GET /api/v1/orgs/<largest>/members", "get", f"/api/v1/orgs/{org_id}/members", None),
        ("employer", f"POST /api/v1/progress-events/ ({len(staff_ids)} events)", "post", "/api/v1/progress-events/",
         ingest_body),
        ("analyst", "GET /api/v1/national/progress", "get", "/api/v1/national/progress", None),
        ("analyst", "GET /api/v1/national/breakdown?by=prefecture,industry", "get",
         "/api/v1/national/breakdown?by=prefecture,industry", None),
    ]  # fmt: skip

    def call(who: str, method: str, path: str, body: Any) -> float:
        client = clients[who]
        start = time.perf_counter()
        if method == "get":
            response = client.get(path)
        else:
            data = body() if callable(body) else body
            response = client.post(path, data, content_type="application/json")
        elapsed = time.perf_counter() - start
        assert response.status_code in (200, 201), (path, response.status_code, response.content[:300])
        return elapsed

    say(f"[2/3] warming up ({len(endpoints)} endpoints)")
    for who, _, method, path, body in endpoints:
        call(who, method, path, body)
    say(f"[3/3] {args.requests} requests each, interleaved with the baseline GET /api/v1/ping")
    rows = []
    for who, label, method, path, body in endpoints:
        base, times = [], []
        for _ in range(args.requests):
            base.append(call(who, "get", "/api/v1/ping", None))
            times.append(call(who, method, path, body))
        b, m = statistics.median(base), statistics.median(times)
        rows.append({"endpoint": label, "ping_ms": b * 1000, "median_ms": m * 1000, "ratio": m / b,
                     "p95_ms": statistics.quantiles(times, n=20)[-1] * 1000})  # fmt: skip
        say(f"      {label:<60}{m * 1000:>9.1f} ms  {m / b:>7.1f}x ping")
    figures = {"learners": learners, "largest_org_people": members, "endpoints": rows,
               "pg_major": connection.pg_version // 10000}  # type: ignore[attr-defined]  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    print()
    print(f"Endpoints on {learners:,} learners (PostgreSQL {figures['pg_major']}, {os.cpu_count()} CPUs)")
    print(f"{'endpoint':<62}{'median':>10}{'p95':>10}{'× ping':>9}")
    for r in rows:
        print(f"{r['endpoint']:<62}{r['median_ms']:>8.1f}ms{r['p95_ms']:>8.1f}ms{r['ratio']:>8.1f}x")
    connection.close()


if __name__ == "__main__":
    main()
