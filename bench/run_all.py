#!/usr/bin/env python
"""Run every benchmark and write docs/performance.md (figures as ratios to baselines of the same run).

Each benchmark runs in its own process on its own scratch PostgreSQL database and writes its figures
as JSON; this script describes the machine, collects the figures, and writes the report with the two
plots (docs/performance/*.png) and the full console output (docs/performance/run.log).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/run_all.py
    ... bench/run_all.py --full      # the mission's size: 2.3 million learners, 5 million events
    ... bench/run_all.py --only curves loadtest   # some sections (the report keeps the others' last figures)

Needs PostgreSQL (DATABASE_URL) and Redis (CELERY_BROKER_URL, default redis://127.0.0.1:6379/9)
for the multi-worker re-planning run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "performance"
REPORT = ROOT / "docs" / "performance.md"
FIGURES = OUT / "figures.json"
PYTHON = sys.executable
FULL_SIZE_SECTIONS = {"national", "population", "at_scale", "pg_changes"}


def sections(full: bool) -> list[tuple[str, str, list[str]]]:
    """(name, what it measures, command line) in running order."""
    learners, events = (2_300_000, 5_000_000) if full else (230_000, 500_000)
    return [
        ("recommender", "plan endpoint, embedding, memory", ["bench/recommender.py", "--learners", "2000"]),
        ("ingest", "progress ingest against raw COPY", ["bench/ingest.py"]),
        (
            "employer_pages",
            "dashboard, member list and team page of a 7,259-member organization against a ping",
            ["bench/employer_pages.py"],
        ),
        (
            "national",
            "national breakdown against a raw GROUP BY",
            ["bench/national.py", "--learners", str(learners), "--completions", str(events)],
        ),
        (
            "population",
            "generate_population against raw COPY (database kept for pg_changes)",
            ["bench/population.py", "--learners", str(learners), "--events", str(events), "--keep"],
        ),
        ("at_scale", "the product's endpoints on that population", ["bench/at_scale.py"]),
        ("pg_changes", "PostgreSQL changes, before and after (drops the population)", ["bench/pg_changes.py"]),
        ("curves", "plan latency by catalog size; batch throughput by learners", ["bench/curves.py"]),
        ("replan", "batch re-planning on 1 and 2 Celery worker processes", ["bench/replan.py"]),
        ("loadtest", "concurrent clients against gunicorn (plan, ingest)", ["bench/loadtest.py"]),
        (
            "catalog",
            "catalog import of 10,000 courses against raw COPY; uncached search against a ping",
            ["bench/catalog.py", "--courses", "10000", "--requests", "100"],
        ),
    ]


def machine() -> dict[str, Any]:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_gb = 0.0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_gb = int(line.split()[1]) / 1024 / 1024
    versions = {}
    for name, cmd in (
        ("postgresql", ["psql", "--version"]),
        ("redis", ["redis-server", "--version"]),
    ):
        try:
            versions[name] = subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()  # noqa: S603
        except OSError:
            versions[name] = "not found"
    import django

    return {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_gb, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "load_average_at_start": os.getloadavg(),
        **versions,
    }


def run_section(name: str, command: list[str], log: Any, scratch: Path) -> tuple[dict[str, Any] | None, float]:
    out = scratch / f"{name}.json"
    started = time.perf_counter()
    header = f"\n===== {name}: {' '.join(command)}\n"
    print(header, end="", flush=True)
    log.write(header)
    proc = subprocess.Popen(  # noqa: S603 - our own benchmark scripts
        [PYTHON, *command, "--json", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "DJANGO_LOG_LEVEL": "WARNING"},
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if " INFO " in line or "Loading weights" in line or line.lstrip().startswith("Batches:"):
            continue  # worker chatter and progress bars stay out of the report
        print(line, end="", flush=True)
        log.write(line)
    code = proc.wait()
    seconds = time.perf_counter() - started
    if code != 0 or not out.exists():
        message = f"!!!!! {name} failed (exit {code}) after {seconds:.0f} s\n"
        print(message, end="")
        log.write(message)
        return None, seconds
    return json.loads(out.read_text()), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="the mission's size for the population and national runs")
    parser.add_argument("--only", nargs="+", metavar="SECTION", help="run only these sections")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/postgres"
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/9")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    OUT.mkdir(parents=True, exist_ok=True)
    figures: dict[str, Any] = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    figures["machine"] = machine()
    figures.setdefault("sections", {})
    plan = [s for s in sections(args.full) if not args.only or s[0] in args.only]
    needs_population = {"at_scale", "pg_changes"} & set(args.only or ())
    if needs_population and "population" not in (args.only or ()):
        sys.exit(f"{', '.join(sorted(needs_population))} need the population section's database: add `population`")
    started = time.perf_counter()
    failed = []
    with (
        (OUT / "run.log").open("a" if args.only else "w", encoding="utf-8") as log,
        tempfile.TemporaryDirectory() as scratch,
    ):
        for number, (name, what, command) in enumerate(plan, start=1):
            print(
                f"\n[{number}/{len(plan)}] {name}: {what}  ({time.perf_counter() - started:,.0f} s so far)", flush=True
            )
            result, seconds = run_section(name, command, log, Path(scratch))
            if result is None:
                failed.append(name)
                continue
            # The mission-size runs are kept beside the tenth-size ones (the report shows both).
            key = f"{name}@full" if args.full and name in FULL_SIZE_SECTIONS else name
            figures["sections"][key] = {
                "figures": result,
                "seconds": round(seconds, 1),
                "scale": "full" if args.full else "tenth",
            }
    figures["machine"]["load_average_at_end"] = os.getloadavg()
    figures["machine"]["total_seconds"] = round(time.perf_counter() - started)
    figures["machine"]["sections_run"] = [name for name, _, _ in plan]
    figures["machine"]["full"] = args.full
    runs = figures.get("runs", []) if args.only else []
    figures["runs"] = [*runs, figures["machine"]]
    FIGURES.write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    report = importlib.import_module("report")  # bench/report.py
    report.write_report(figures, REPORT)
    print(f"\nWrote {REPORT.relative_to(ROOT)} and {OUT.relative_to(ROOT)}/ in {time.perf_counter() - started:,.0f} s")
    if failed:
        sys.exit(f"sections that failed: {', '.join(failed)} (see {OUT / 'run.log'})")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
