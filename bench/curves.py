#!/usr/bin/env python
"""Two curves, every point a ratio to a baseline measured at the same point of the same run.

1. Plan latency against catalog size (100 to 20,000 courses): POST /api/v1/me/plan (recompute) and
   GET /api/v1/me/plan (stored plan), each against a trivial authenticated endpoint (GET /api/v1/orgs/).
2. Batch re-planning throughput against the number of learners (the task body in-process, a
   1,000-course catalog): learners per second, against raw numpy scoring of the same learners
   (each learner's weighted gap vector against the course x skill matrix, nothing else).

Writes docs/performance/plan-latency.png and docs/performance/batch-throughput.png (matplotlib)
and, with --json, the figures.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/curves.py
It creates (and afterwards drops) its own database `dxp_bench_curves` on that server.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
BENCH_DB = "dxp_bench_curves"
OUT_DIR = ROOT / "docs" / "performance"
CATALOG_SIZES = (100, 500, 1_000, 2_000, 5_000, 10_000, 20_000)
LEARNER_COUNTS = (100, 300, 1_000, 3_000, 10_000)


def say(message: str) -> None:
    print(message, flush=True)


def timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(CATALOG_SIZES))
    parser.add_argument("--learners", type=int, nargs="+", default=list(LEARNER_COUNTS))
    parser.add_argument("--requests", type=int, default=30, help="requests per endpoint per catalog size")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    import catalog as catalog_bench

    admin_url = catalog_bench.start_scratch_database(BENCH_DB, "[1/4]")
    import django

    django.setup()
    import numpy as np
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    import recommender.receivers as recommender_receivers
    from courses.services import catalog_import, providers_load
    from recommender import tasks
    from recommender.models import LearnerPlan
    from skills.selectors import standard_version_get

    # Tag inference and re-planning after each import are a worker's job; here they would only add noise.
    recommender_receivers._enqueue_tag_inference = lambda course_ids: None
    recommender_receivers._enqueue_stale_plans = lambda: None
    figures: dict[str, Any] = {"latency": [], "throughput": []}
    try:
        say("[2/4] standard, providers, learners with target roles and self-assessments")
        call_command("migrate", verbosity=0)
        call_command("load_dss", stdout=io.StringIO())
        providers_load(records=json.loads((ROOT / "fixtures" / "sample_providers.json").read_text("utf-8")))
        sample = json.loads((ROOT / "fixtures" / "sample_catalog.json").read_text("utf-8"))
        version = standard_version_get()
        most = max(args.learners)
        profiles, _levels = catalog_bench.create_learners(
            most, list(version.roles.all()), list(version.skill_items.all()), prefix="c"
        )
        users = [p.user for p in profiles]

        say(f"[3/4] plan latency at catalog sizes {', '.join(format(s, ',') for s in args.sizes)}")
        client = Client()
        client.force_login(users[0])
        throughput_at = 1_000 if 1_000 in args.sizes else args.sizes[0]
        for size in sorted(args.sizes):
            catalog_import(
                data=json.dumps(catalog_bench.derive_courses(sample, size), ensure_ascii=False).encode(),
                filename=f"curve{size}.json",
            )
            client.post("/api/v1/me/plan", {}, content_type="application/json")  # load the catalog into memory
            for _ in range(5):
                client.get("/api/v1/orgs/")
                client.get("/api/v1/me/plan")
            base: list[float] = []
            stored: list[float] = []
            recompute: list[float] = []
            for _ in range(args.requests):
                base.append(timed(lambda: client.get("/api/v1/orgs/")))
                stored.append(timed(lambda: client.get("/api/v1/me/plan")))
                recompute.append(timed(lambda: client.post("/api/v1/me/plan", {}, content_type="application/json")))
            b = statistics.median(base)
            point = {
                "courses": size,
                "trivial_ms": b * 1000,
                "stored_ms": statistics.median(stored) * 1000,
                "recompute_ms": statistics.median(recompute) * 1000,
                "recompute_p95_ms": statistics.quantiles(recompute, n=20)[-1] * 1000,
            }
            point["stored_ratio"] = point["stored_ms"] / point["trivial_ms"]
            point["recompute_ratio"] = point["recompute_ms"] / point["trivial_ms"]
            figures["latency"].append(point)
            say(
                f"      {size:>7,} courses: trivial {point['trivial_ms']:.1f} ms, "
                f"stored plan {point['stored_ratio']:.1f}x, "
                f"recompute {point['recompute_ms']:.0f} ms = {point['recompute_ratio']:.0f}x"
            )
            if size == throughput_at:
                figures["throughput"] = _throughput(args.learners, profiles, version, np, tasks, LearnerPlan)

        say("[4/4] plots")
        _plots(figures)
        figures["pg_major"] = connection.pg_version // 10000  # type: ignore[attr-defined]
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2))
        print()
        print(f"Plan latency against catalog size (PostgreSQL {figures['pg_major']}, {os.cpu_count()} CPUs)")
        print(f"{'courses':>8}{'trivial':>10}{'stored plan':>14}{'recompute':>12}{'ratio':>8}{'p95':>10}")
        for p in figures["latency"]:
            print(
                f"{p['courses']:>8,}{p['trivial_ms']:>8.1f}ms{p['stored_ratio']:>13.1f}x{p['recompute_ms']:>10.0f}ms"
                f"{p['recompute_ratio']:>7.0f}x{p['recompute_p95_ms']:>8.0f}ms"
            )
        print(f"Batch re-planning throughput ({throughput_at:,}-course catalog, task body in-process)")
        print(f"{'learners':>9}{'learners/s':>12}{'raw scoring/s':>15}{'of raw':>9}")
        for p in figures["throughput"]:
            print(f"{p['learners']:>9,}{p['per_second']:>12,.0f}{p['raw_per_second']:>15,.0f}{p['of_raw']:>9.4f}")
        print(f"plots: {OUT_DIR / 'plan-latency.png'}, {OUT_DIR / 'batch-throughput.png'}")
    finally:
        connection.close()
        if not args.keep:
            catalog_bench.drop_database(admin_url)


def _throughput(
    counts: list[int], profiles: list[Any], version: Any, np: Any, tasks: Any, plan_model: Any
) -> list[dict]:
    """Re-plan the first N learners (for each N) in batches of 100, against raw numpy scoring of the same N."""
    from learners.selectors import learner_current_levels
    from recommender.engine import course_options
    from skills.selectors import grade_targets

    options = course_options(version=version)
    codes = sorted({code for o in options for code in o.skills} | {i.code for i in version.skill_items.all()})
    column = {code: j for j, code in enumerate(codes)}
    levels = np.zeros((len(options), len(codes)), dtype=np.float32)
    for i, option in enumerate(options):
        for code, level in option.skills.items():
            levels[i, column[code]] = level
    targets_by_grade = grade_targets(version=version)
    by_pk = dict(version.skill_items.values_list("pk", "code"))
    out = []
    for n in sorted(counts):
        chosen = profiles[:n]
        plan_model.objects.filter(learner__in=chosen).delete()
        ids = [p.pk for p in chosen]
        start = time.perf_counter()
        for k in range(0, n, 100):
            tasks.learners_replan_task(learner_ids=ids[k : k + 100])
        seconds = time.perf_counter() - start
        # Baseline: the same learners' current levels and targets, scored against every course with numpy.
        rows = []
        for p in chosen[: min(n, 300)]:
            requirements = dict(p.target_role.requirements.values_list("skill_item__code", "grade"))
            current = {by_pk[k]: v.level for k, v in learner_current_levels(learner=p).items() if k in by_pk}
            target = np.zeros(len(codes), dtype=np.float32)
            have = np.zeros(len(codes), dtype=np.float32)
            for code, grade in requirements.items():
                target[column[code]] = targets_by_grade.get(grade, 0)
            for code, level in current.items():
                if code in column:
                    have[column[code]] = level
            rows.append((target, have, target))
        repeats = max(1, n // len(rows))
        start = time.perf_counter()
        for _ in range(repeats):
            for target, have, weight in rows:
                gain = np.clip(np.minimum(levels, target) - have, 0, None) @ weight
                int(np.argmax(gain))
        raw_seconds = (time.perf_counter() - start) * n / (repeats * len(rows))
        point = {"learners": n, "seconds": seconds, "per_second": n / seconds, "raw_per_second": n / raw_seconds}
        point["of_raw"] = point["per_second"] / point["raw_per_second"]
        out.append(point)
        say(f"      {n:>6,} learners: {point['per_second']:,.0f}/s (raw scoring {point['raw_per_second']:,.0f}/s)")
    return out


def _plots(figures: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    latency = figures["latency"]
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    x = [p["courses"] for p in latency]
    ax.plot(x, [p["recompute_ms"] for p in latency], "o-", label="POST /me/plan (recompute), median")
    ax.plot(x, [p["recompute_p95_ms"] for p in latency], "o:", label="POST /me/plan, p95")
    ax.plot(x, [p["stored_ms"] for p in latency], "s-", label="GET /me/plan (stored), median")
    ax.plot(x, [p["trivial_ms"] for p in latency], "k--", label="trivial endpoint (baseline)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("published courses in the catalog")
    ax.set_ylabel("latency (ms, log)")
    ax.set_title("Plan latency against catalog size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(OUT_DIR / "plan-latency.png")
    plt.close(fig)

    throughput = figures["throughput"]
    if throughput:
        fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
        x = [p["learners"] for p in throughput]
        ax.plot(x, [p["per_second"] for p in throughput], "o-", label="re-planned learners/s (DB, plan builder, store)")
        ax.set_xscale("log")
        ax.set_xlabel("learners re-planned in the batch")
        ax.set_ylabel("learners per second")
        ax.set_ylim(bottom=0, top=max(p["per_second"] for p in throughput) * 1.3)  # room for the labels
        ax.set_title("Batch re-planning throughput (one process)")
        ax.grid(True, which="both", alpha=0.3)
        for p in throughput:
            ax.annotate(f"{p['of_raw']:.3f} of raw", (p["learners"], p["per_second"]), fontsize=7, xytext=(3, 5),
                        textcoords="offset points")  # fmt: skip
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(OUT_DIR / "batch-throughput.png")
        plt.close(fig)


if __name__ == "__main__":
    main()
