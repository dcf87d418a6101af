"""docs/performance.md from the figures bench/run_all.py collected (docs/performance/figures.json)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

TARGETS = {
    "plan": "≤ 2× (median)",
    "embed": "≤ 1.3×",
    "ingest": "≥ 0.1 of COPY",
    "national": "≥ 50× faster",
    "population": "mission size < 30 min",
    "import": "≤ 10× COPY",
    "search": "≤ 3× ping (median)",
}


def _f(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _section(figures: dict[str, Any], name: str, *, full: bool | None = None) -> dict[str, Any]:
    """A section's figures: the mission-size run when there is one (full=None), or the one asked for."""
    sections = figures.get("sections", {})
    if full is None:
        entry = sections.get(f"{name}@full") or sections.get(name)
    else:
        entry = sections.get(f"{name}@full" if full else name)
    return entry["figures"] if entry else {}


def _machine(m: dict[str, Any]) -> list[str]:
    load_start = ", ".join(f"{x:.2f}" for x in m.get("load_average_at_start", ()))
    load_end = ", ".join(f"{x:.2f}" for x in m.get("load_average_at_end", ()))
    return [
        "| | |",
        "|---|---|",
        f"| when | {m.get('when', '')} |",
        f"| CPU | {m.get('cpu', '')}, {m.get('cores', '')} cores (shared: other jobs ran beside this one) |",
        f"| memory | {m.get('memory_gb', '')} GB |",
        f"| software | Python {m.get('python', '')}, Django {m.get('django', '')}, {m.get('postgresql', '')}, "
        f"{m.get('redis', '')} |",
        f"| kernel | {m.get('kernel', '')} |",
        f"| load average (1, 5, 15 min) | at start {load_start}; at end {load_end} |",
        f"| whole run | {_f(m.get('total_seconds'))} s |",
    ]


def _runs(figures: dict[str, Any]) -> list[str]:
    out = [
        "| run started | size | sections | seconds | load average at start, at end (1 min) |",
        "|---|---|---|---|---|",
    ]
    for run in figures.get("runs", []):
        start, end = run.get("load_average_at_start", (0,)), run.get("load_average_at_end", (0,))
        out.append(
            f"| {run.get('when', '')} | {'mission (--full)' if run.get('full') else 'a tenth (default)'} | "
            f"{', '.join(run.get('sections_run', []))} | {_f(run.get('total_seconds'))} | "
            f"{start[0]:.2f}, {end[0]:.2f} |"
        )
    return out


def _summary(figures: dict[str, Any]) -> list[str]:
    rows = ["| figure | value | baseline (same run) | ratio | target |", "|---|---|---|---|---|"]
    r = _section(figures, "recommender")
    if r:
        rows += [
            f"| plan endpoint GET /api/v1/me/plan, 1,000 courses, warm: median | {_f(r['plan_ms'])} ms | "
            f"trivial endpoint {_f(r['trivial_ms'])} ms | {_f(r['plan_ratio'], 1)}× | {TARGETS['plan']} |",
            *(
                [
                    f"| the same, p95 | {_f(r['plan_p95_ms'])} ms | trivial endpoint's p95 "
                    f"{_f(r['trivial_p95_ms'])} ms | {_f(r['plan_p95_to_p95_ratio'], 1)}× | ≤ 2× (p95) |"
                ]
                if "plan_p95_to_p95_ratio" in r
                else []
            ),
            f"| the same p95, against the trivial median | {_f(r['plan_p95_ms'])} ms | trivial median | "
            f"{_f(r['plan_p95_ratio'], 1)}× | |",
            f"| plan recompute POST /api/v1/me/plan: median | {_f(r['recompute_ms'])} ms | trivial median | "
            f"{_f(r['recompute_ratio'], 1)}× | |",
            f"| embedding + tagging 1,000 courses from scratch | | bare `model.encode` | "
            f"{_f(r['embed_cold_ratio'], 2)}× | {TARGETS['embed']} |",
            f"| memory: process with the model and a {_f(r['index_courses'])}-course index | {_f(r['rss_mb'])} MB | "
            f"process start {_f(r['rss_start_mb'])} MB | | |",
        ]
    i = _section(figures, "ingest")
    if i:
        rows.append(
            f"| progress ingest API, batches of 1,000 | {_f(i['ingest_per_s'])} events/s | raw COPY "
            f"{_f(i['copy_per_s'])} events/s | {_f(i['ingest_of_copy'], 3)} of COPY | {TARGETS['ingest']} |"
        )
    n = _section(figures, "national")
    if n:
        rows.append(
            f"| national breakdown by prefecture × FY (API), {_f(n['learners'])} learners | {_f(n['api_ms'])} ms | "
            f"raw GROUP BY {_f(n['raw_group_by_ms'])} ms | {_f(n['api_speedup'], 0)}× faster | "
            f"{TARGETS['national']} |"
        )
    for p in (_section(figures, "population", full=False), _section(figures, "population", full=True)):
        if not p:
            continue
        rows.append(
            f"| generate_population, {_f(p['learners'])} learners, {_f(p['events'])} events ({_f(p['rows'])} rows) | "
            f"{_f(p['generate_seconds'])} s | raw COPY of the same rows {_f(p['raw_copy_seconds'])} s | "
            f"{_f(p['ratio'], 1)}× | {TARGETS['population']} ("
            + (
                f"measured: {p['generate_seconds'] / 60:.1f} min"
                if p["learners"] >= 2_300_000
                else f"estimate at this rate: {_f(p['mission_estimate_minutes'], 0)} min"
            )
            + ") |"
        )
    k = _section(figures, "catalog")
    if k:
        rows += [
            f"| catalog import into an empty catalog, {_f(k['courses'])} courses (tasks queued, not run inline) | "
            f"{_f(k['import_seconds'])} s | raw COPY of the same rows {_f(k['copy_seconds'], 3)} s | "
            f"{_f(k['import_ratio'], 1)}× | {TARGETS['import']} |",
            f"| the same file again (nothing changed) / every course changed | {_f(k['reimport_seconds'])} s / "
            f"{_f(k['update_seconds'])} s | raw COPY | {_f(k['reimport_ratio'], 1)}× / {_f(k['update_ratio'], 1)}× | |",
            f"| course search, three filters, uncached (a new query each time): median | "
            f"{_f(k['search_cold_ms'])} ms | "
            f"GET /api/v1/ping {_f(k['ping_ms'])} ms | {_f(k['search_cold_ratio'], 1)}× | {TARGETS['search']} |",
            f"| the same search repeated (cached): median | {_f(k['search_warm_ms'])} ms | GET /api/v1/ping | "
            f"{_f(k['search_warm_ratio'], 1)}× | |",
        ]
    c = _section(figures, "curves")
    for point in c.get("throughput", [])[-1:]:
        rows.append(
            f"| batch re-planning in one process, {_f(point['learners'])} learners | {_f(point['per_second'])} "
            f"learners/s | raw numpy scoring {_f(point['raw_per_second'])}/s | {point['of_raw']:.4f} of raw | |"
        )
    return rows


def _curves(figures: dict[str, Any]) -> list[str]:
    c = _section(figures, "curves")
    if not c:
        return ["(not run)"]
    out = [
        "![Plan latency against catalog size](performance/plan-latency.png)",
        "",
        "| courses | trivial endpoint | stored plan (GET) | recompute (POST), median | ratio | p95 |",
        "|---|---|---|---|---|---|",
    ]
    for p in c["latency"]:
        out.append(
            f"| {_f(p['courses'])} | {_f(p['trivial_ms'])} ms | {_f(p['stored_ratio'], 1)}× | "
            f"{_f(p['recompute_ms'])} ms | {_f(p['recompute_ratio'], 1)}× | {_f(p['recompute_p95_ms'])} ms |"
        )
    out += [
        "",
        "![Batch re-planning throughput against the number of learners](performance/batch-throughput.png)",
        "",
        "| learners | re-planned per second | raw numpy scoring per second | share of raw |",
        "|---|---|---|---|",
    ]
    for p in c["throughput"]:
        out.append(f"| {_f(p['learners'])} | {_f(p['per_second'])} | {_f(p['raw_per_second'])} | {p['of_raw']:.4f} |")
    return out


def _at_scale(figures: dict[str, Any]) -> list[str]:
    s = _section(figures, "at_scale")
    if not s:
        return ["(not run)"]
    out = [
        f"On the generated population ({_f(s['learners'])} learners; the largest organization has "
        f"{_f(s['largest_org_people'])} people), through Django's request stack in-process, each endpoint "
        "interleaved with GET /api/v1/ping as the same user:",
        "",
        "| endpoint | median | p95 | × ping |",
        "|---|---|---|---|",
    ]
    for r in s["endpoints"]:
        out.append(f"| {r['endpoint']} | {_f(r['median_ms'])} ms | {_f(r['p95_ms'])} ms | {_f(r['ratio'], 1)}× |")
    return out


def _employer_pages(figures: dict[str, Any]) -> list[str]:
    s = _section(figures, "employer_pages")
    if not s:
        return ["(not run)"]
    out = [
        f"One organization of {_f(s['members'])} members ({_f(s['assessments'])} assessments, five tracks of 1,500 "
        "assignees) built by `bench/employer_pages.py`, through Django's request stack in-process, each page "
        f"interleaved with GET /healthz (the ping). Target: ≤ {s['target_ratio']}× the ping (median). The "
        "dashboard reads the per-organization rollups, member lists are keyset pages (docs/scaling.md).",
        "",
        "| page | median | p95 | ping | × ping |",
        "|---|---|---|---|---|",
    ]
    for r in s["endpoints"]:
        out.append(
            f"| {r['endpoint']} | {_f(r['median_ms'])} ms | {_f(r['p95_ms'])} ms | {_f(r['ping_ms'])} ms | "
            f"{_f(r['ratio'], 1)}× |"
        )
    return out


def _replan(figures: dict[str, Any]) -> list[str]:
    f = _section(figures, "replan")
    if not f:
        return ["(not run)"]
    out = [
        f"{_f(f['learners'])} learners with stale plans over a 1,000-course catalog, chunks of {f['chunk_size']}, "
        "a real `celery worker` (prefork) on Redis; every run checked afterwards: each stale plan at the "
        "catalog version, its revision up by exactly one.",
        "",
        "| figure | value | baseline (same run) | ratio |",
        "|---|---|---|---|",
    ]
    for n in (1, 2):
        row = f[f"concurrency_{n}"]
        out.append(
            f"| batch re-plan, {n} worker process{'es' if n > 1 else ''} | {_f(row['learners_per_s'], 1)} learners/s | "
            f"raw numpy scoring {_f(f['raw_scoring_per_s'])}/s | {row['ratio_to_raw_scoring']:.4f} |"
        )
    out.append(f"| speed-up, 2 worker processes against 1 | {_f(f['speedup_2_vs_1'])}× | | |")
    for n in (1, 2):
        for k, mb in enumerate(f[f"concurrency_{n}"]["worker_children_rss_mb"], 1):
            out.append(
                f"| memory, worker process {k} of {n} after the run | {_f(mb, 0)} MB | Python with Django only "
                f"{_f(f['django_only_rss_mb'], 0)} MB | {mb / f['django_only_rss_mb']:.1f}× |"
            )
    return out


def _loadtest(figures: dict[str, Any]) -> list[str]:
    f = _section(figures, "loadtest")
    if not f:
        return ["(not run)"]
    out = [
        f"gunicorn with {f['workers']} sync workers per connection mode on loopback, locust with {f['users']} "
        f"concurrent users, {f['seconds']:g} s per scenario and mode in {f['rounds']} turns (the modes take turns so "
        f"a neighbour's load falls on all of them), {_f(f['learners'])} learners, ingest batches of {f['batch']} "
        "events. Baseline: GET /api/v1/orgs/ (trivial, authenticated) on the same server.",
        "",
        "| connections | scenario | requests/s | median | p95 | failures | req/s ÷ baseline | p95 ÷ baseline | "
        "req/s ÷ new connection each |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for mode, data in f["modes"].items():
        for name, s in data["scenarios"].items():
            out.append(
                f"| {mode} | {name} | {_f(s['rps'], 1)} | {_f(s['median_ms'], 0)} ms | {_f(s['p95_ms'], 0)} ms | "
                f"{_f(s['failures'], 0)} | {s['throughput_ratio']:.2f} | {s['p95_ratio']:.2f} | "
                f"{s.get('throughput_vs_no_persistent', 0):.2f} |"
            )
        out.append(
            f"| {mode} | PostgreSQL connections opened per request | {data['connections_per_request']:.3f} "
            "| | | | | | |"
        )
    out += [
        "",
        "`no-persistent`: a new connection per request (`DB_CONN_MAX_AGE=0`); `conn-max-age-60`: Django's "
        "persistent connections; `pool`: psycopg's pool (`DB_POOL`, the default on PostgreSQL since this run's "
        "figures; see docs/scaling.md).",
    ]
    return out


def _pg_changes(figures: dict[str, Any]) -> list[str]:
    g = _section(figures, "pg_changes")
    if not g:
        return ["(not run)"]
    r, c, p = g["redundant_indexes"], g["completed_index"], g["partitioning"]
    b, a = r["before"], r["after"]
    plain, part = p["plain"], p["partitioned"]
    rows = [
        f"Measured on {_f(g['learners'])} learners and {_f(g['events'])} events (bench/pg_changes.py).",
        "",
        "| change | figure | before | after | after / before |",
        "|---|---|---|---|---|",
    ]

    def row(change: str, figure: str, before: float, after: float) -> None:
        ratio = f"{after / before:.2f}×" if before else "–"
        rows.append(f"| {change} | {figure} | {_f(before)} | {_f(after)} | {ratio} |")

    row("**adopted**: drop FK indexes a composite covers", "their size on disk (MB)", b["index_mb"], a["index_mb"])
    row("", f"write {_f(r['rows_written'])} events (s, best of 3)", b["write_s"], a["write_s"])
    row("", "WAL written for them (MB)", b["wal_mb"], a["wal_mb"])
    row("", "events of a learner (ms)", b["events_of_a_learner_ms"], a["events_of_a_learner_ms"])
    row("", "does a submitter have events (ms)", b["submitter_has_events_ms"], a["submitter_has_events_ms"])
    row("", "enrollments of a learner (ms)", b["enrollments_of_a_learner_ms"], a["enrollments_of_a_learner_ms"])
    row("", "assessments of a learner (ms)", b["assessments_of_a_learner_ms"], a["assessments_of_a_learner_ms"])
    row(
        "not adopted: partial index on completed enrollments",
        f"national recount of 20,000 learners (ms); index {_f(c['index_mb'])} MB",
        c["block_before_ms"],
        c["block_after_ms"],
    )
    row("not adopted: partition events by fiscal year", "events of one FY (ms)", plain["one_fiscal_year_ms"],
        part["one_fiscal_year_ms"])  # fmt: skip
    row("", "archive the oldest FY (ms)", plain["archive_oldest_year_ms"], part["archive_oldest_year_ms"])
    row(
        "",
        "1,000 duplicate checks by (submitter, key) (ms)",
        plain["duplicate_check_1000_keys_ms"],
        part["duplicate_check_1000_keys_ms"],
    )
    return rows


def write_report(figures: dict[str, Any], path: Path) -> None:
    lines = [
        "# Performance",
        "",
        "Written by `bench/run_all.py` (do not edit by hand; run it again). Every figure is a ratio to a",
        "baseline measured in the same run on the same machine, because this machine is shared and noisy:",
        "absolute times move from run to run, ratios much less. Each benchmark runs in its own process on",
        "its own scratch PostgreSQL database; the console output of the run is in",
        "[performance/run.log](performance/run.log), the raw figures in",
        "[performance/figures.json](performance/figures.json).",
        "",
        "```",
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/run_all.py [--full]",
        "```",
        "",
        "## Machine",
        "",
        *_machine(figures.get("machine", {})),
        "",
        "The figures below come from these runs (for each section, the latest run of it):",
        "",
        *_runs(figures),
        "",
        "## Summary",
        "",
        *_summary(figures),
        "",
        "## Plan latency and batch throughput",
        "",
        *_curves(figures),
        "",
    ]
    lines += ["## Batch re-planning on Celery workers (real broker)", "", *_replan(figures), ""]
    lines += ["## Load test: concurrent clients on loopback against gunicorn", "", *_loadtest(figures), ""]
    lines += ["## The product on a national-size population", "", *_at_scale(figures), ""]
    lines += ["## Employer pages for a large organization", "", *_employer_pages(figures), ""]
    lines += ["## PostgreSQL changes, before and after", "", *_pg_changes(figures), ""]
    lines += ["## Time per section", "", "| section | scale | seconds |", "|---|---|---|"]
    for name, entry in figures.get("sections", {}).items():
        lines.append(f"| {name} | {entry.get('scale', '')} | {_f(entry.get('seconds'))} |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
