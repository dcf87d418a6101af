#!/usr/bin/env python
"""Batch re-planning benchmark on PostgreSQL and Redis; every figure is a ratio to a baseline measured in the
same run (docs/replanning.md).

N learners (default 2,000) with plans older than a 1,000-course catalog are re-planned by
`replan_run_start` with a real `celery worker` subprocess (prefork) at --concurrency 1, then 2:

1. Learners per second for each, and the 2-vs-1 speed-up.  Baseline: the raw numpy scoring of the same
   learners in this process (each learner's weighted gap vector against the course x skill matrix: the
   plan builder's core gain-per-hour scoring, one pass, no database), as "plans/s / raw scoring/s".
2. Resident memory of each worker child after a warm-up, against a bare Python process that imports Django
   only (no project, no apps).

Each run is checked: every stale plan ends at the catalog version with its revision up by exactly one.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres CELERY_BROKER_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/replan.py [--learners 2000] [--chunk-size 200]
It creates (and afterwards drops) its own database `dxp_bench_replan` and uses a queue of its own.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
BENCH_DB = "dxp_bench_replan"
DJANGO_ONLY = (
    "import django, django.db.models, django.core.handlers.wsgi; "
    "print([l for l in open('/proc/self/status') if l.startswith('VmRSS:')][0].split()[1])"
)


def say(message: str) -> None:
    print(message, flush=True)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


class Worker:
    """`celery worker --pool=prefork --concurrency N` on the bench queue and database, logging to a file."""

    def __init__(self, concurrency: int, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("w", encoding="utf-8") as out:
            command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork", "--loglevel=INFO"]
            command += [f"--concurrency={concurrency}", "-Q", env["CELERY_TASK_DEFAULT_QUEUE"]]
            command += ["-n", f"bench-replan-{concurrency}-{uuid.uuid4().hex[:6]}@localhost"]
            command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                command,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
            )
        deadline = time.monotonic() + 120
        while " ready." not in log.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                sys.exit(f"the celery worker did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)

    def children_rss_mb(self) -> list[float]:
        return [rss_kb(pid) / 1024 for pid in children(self.process.pid)]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def run(
    *, learners: int = 2000, chunk_size: int = 200, keep: bool = False, log: Callable[[str], None] = say
) -> dict[str, Any]:
    """Measure; return the figures (rates in learners/s, memory in MB, ratios to the baselines)."""
    import catalog as catalog_bench

    admin_url = catalog_bench.start_scratch_database(BENCH_DB, "[1/6]")
    queue = f"bench-replan-{uuid.uuid4().hex[:8]}"
    os.environ.update(
        CELERY_BROKER_URL=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
        CELERY_TASK_ALWAYS_EAGER="false",
        CELERY_TASK_DEFAULT_QUEUE=queue,
        RECOMMENDER_DENSE="false",  # planning reads tags, not the dense model: keep it out of the workers
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    import courses.services as course_services
    import recommender.receivers as recommender_receivers
    from courses.selectors import catalog_version
    from recommender.core.plan import COURSE_OVERHEAD_HOURS
    from recommender.engine import course_options
    from recommender.models import LearnerPlan
    from recommender.planning import gaps_for
    from recommender.selectors import replan_run_progress
    from recommender.services import replan_run_start
    from skills.selectors import standard_version_get

    figures: dict[str, Any] = {"learners": learners, "chunk_size": chunk_size, "cpus": os.cpu_count()}
    try:
        log("[2/6] standard and a 1,000-course catalog (the sample, varied)")
        call_command("migrate", verbosity=0)
        call_command("load_dss", stdout=io.StringIO())
        course_services.providers_load(
            records=json.loads((ROOT / "fixtures" / "sample_providers.json").read_text("utf-8"))
        )
        sample = json.loads((ROOT / "fixtures" / "sample_catalog.json").read_text("utf-8"))
        # No worker job from the import itself (tag inference, its own re-planning run): only ours is measured.
        recommender_receivers._enqueue_tag_inference = lambda course_ids: None
        recommender_receivers._enqueue_stale_plans = lambda: None
        data = json.dumps(catalog_bench.derive_courses(sample, 1000), ensure_ascii=False).encode()
        course_services.catalog_import(data=data, filename="bench.json")
        version = standard_version_get()
        roles = list(version.roles.all())
        items = list(version.skill_items.order_by("position"))
        target = catalog_version()

        log(f"[3/6] {learners:,} learners with target roles, self-assessments and plans older than the catalog")
        profiles, levels = catalog_bench.create_learners(learners, roles, items, prefix="r")
        LearnerPlan.objects.bulk_create(
            [LearnerPlan(learner=p, catalog_version=target - 1) for p in profiles], batch_size=2000
        )

        log("[4/6] baseline: raw numpy scoring of the same learners (gap vector x course-skill matrix)")
        raw_per_s = raw_scoring_per_second(
            options=course_options(version=version),
            gap_reports=[
                gaps_for(role=roles[n % len(roles)], current=levels[n], literacy_evidence=True) for n in range(learners)
            ],
            overhead=COURSE_OVERHEAD_HOURS,
        )
        figures["raw_scoring_per_s"] = raw_per_s
        django_rss = django_only_rss_mb()
        figures["django_only_rss_mb"] = django_rss

        env = {**os.environ, "LOG_LEVEL": "INFO"}
        logs = Path(tempfile.mkdtemp(prefix="bench-replan-"))
        for step, concurrency in ((5, 1), (6, 2)):
            log(f"[{step}/6] the batch on a real worker, prefork --concurrency {concurrency}")
            worker = Worker(concurrency, env, logs / f"{queue}-{concurrency}.log")
            try:
                # Warm-up: a small run so each child has loaded the course options before the clock starts.
                warm = list(LearnerPlan.objects.order_by("learner_id").values_list("pk", flat=True)[: 20 * concurrency])
                LearnerPlan.objects.filter(pk__in=warm).update(catalog_version=target - 1)
                wait_for_run(replan_run_start(chunk_size=10), lambda _: None)
                rss = worker.children_rss_mb()
                LearnerPlan.objects.update(catalog_version=target - 1)
                before = dict(LearnerPlan.objects.values_list("learner_id", "revision"))
                start = time.perf_counter()
                run = replan_run_start(chunk_size=chunk_size)
                wait_for_run(run, log)
                seconds = time.perf_counter() - start
                after = dict(LearnerPlan.objects.values_list("learner_id", "revision"))
                assert all(after[i] == before[i] + 1 for i in before), "a learner was planned twice or skipped"
                assert not LearnerPlan.objects.exclude(catalog_version=target).exists()
                rss = [max(a, b) for a, b in zip(rss, worker.children_rss_mb(), strict=False)]
            finally:
                worker.stop()
            per_s = learners / seconds
            figures[f"concurrency_{concurrency}"] = {
                "seconds": seconds,
                "learners_per_s": per_s,
                "ratio_to_raw_scoring": per_s / raw_per_s,
                "worker_children_rss_mb": rss,
                "rss_ratio_to_django_only": max(rss) / django_rss if rss else 0.0,
                "chunks": replan_run_progress(run=run).chunks_done,
            }
        figures["speedup_2_vs_1"] = (
            figures["concurrency_2"]["learners_per_s"] / figures["concurrency_1"]["learners_per_s"]
        )
        figures["postgres"] = connection.pg_version // 10000  # type: ignore[attr-defined]
    finally:
        connection.close()
        if not keep:
            catalog_bench.drop_database(admin_url)
    return figures


def raw_scoring_per_second(*, options: list[Any], gap_reports: list[Any], overhead: float) -> float:
    """Learners per second of one vectorised scoring pass each: weighted levels gained (never beyond the
    target) per course hour, over every course, and the best course; median of 3 passes."""
    import numpy as np

    codes = sorted({code for o in options for code in o.skills} | {g.code for r in gap_reports for g in r.gaps})
    column = {code: j for j, code in enumerate(codes)}
    taught = np.zeros((len(options), len(codes)), dtype=np.float32)
    for i, option in enumerate(options):
        for code, level in option.skills.items():
            taught[i, column[code]] = level
    hours = np.array([o.hours + overhead for o in options], dtype=np.float32)
    vectors = []
    for report in gap_reports:
        t, c, w = (np.zeros(len(codes), dtype=np.float32) for _ in range(3))
        for gap in report.gaps:
            j = column[gap.code]
            t[j], c[j], w[j] = gap.target, gap.current, gap.weight
        vectors.append((t, c, w))
    passes = []
    for _ in range(3):
        start = time.perf_counter()
        for t, c, w in vectors:
            gain = (np.clip(np.minimum(taught, t) - c, 0, None) * w).sum(axis=1)
            int(np.argmax(gain / hours))
        passes.append(time.perf_counter() - start)
    return len(vectors) / sorted(passes)[1]


def django_only_rss_mb() -> float:
    out = subprocess.run([sys.executable, "-c", DJANGO_ONLY], capture_output=True, text=True, check=True, cwd="/")  # noqa: S603
    return int(out.stdout.strip()) / 1024


def wait_for_run(run: Any, log: Callable[[str], None], timeout: float = 1800) -> None:
    from recommender.selectors import replan_run_progress

    start = shown = time.monotonic()
    while True:
        progress = replan_run_progress(run=run)
        if progress.run.status != "running":
            return
        if time.monotonic() - shown >= 5:
            shown = time.monotonic()
            log(
                f"      chunks {progress.chunks_done}/{run.chunks}, {progress.planned:,} learners planned, "
                f"{progress.planned / (shown - start):,.0f} learners/s"
            )
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"run {run.pk} not done after {timeout:g} s")
        time.sleep(0.25)


def report(f: dict[str, Any]) -> str:
    one, two = f["concurrency_1"], f["concurrency_2"]
    rows = [
        f"Batch re-planning benchmark, PostgreSQL {f['postgres']}, Redis broker, {f['cpus']} CPUs, "
        f"{f['learners']:,} learners, 1,000 courses, chunks of {f['chunk_size']}",
        f"{'figure':<62}{'value':>16}{'ratio':>10}",
        f"{'raw numpy scoring, one pass per learner (baseline)':<62}{f['raw_scoring_per_s']:>10,.0f} /s{1:>9.4f}x",
    ]
    for n, row in ((1, one), (2, two)):
        rows.append(
            f"{'batch re-plan, real worker prefork --concurrency ' + str(n):<62}"
            f"{row['learners_per_s']:>10,.1f} /s{row['ratio_to_raw_scoring']:>9.4f}x"
        )
    rows += [
        f"{'  speed-up, 2 worker processes vs 1':<62}{f['speedup_2_vs_1']:>15.2f}x",
        f"{'bare Python importing Django only, resident (baseline)':<62}{f['django_only_rss_mb']:>13.0f} MB{1:>9.1f}x",
    ]
    for n, row in ((1, one), (2, two)):
        for k, mb in enumerate(row["worker_children_rss_mb"], 1):
            rows.append(
                f"{f'  worker child {k} of {n} after the run, resident':<62}{mb:>13.0f} MB"
                f"{mb / f['django_only_rss_mb']:>9.1f}x"
            )
    rows.append("(every run checked: each stale plan at the catalog version, its revision up by exactly one)")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--chunk-size", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--json", type=Path, help="also write the figures here (bench/run_all.py)")
    args = parser.parse_args()
    figures = run(learners=args.learners, chunk_size=args.chunk_size, keep=args.keep)
    print()
    print(report(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
