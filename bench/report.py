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


def _section(figures: dict[str, Any], name: str) -> dict[str, Any]:
    entry = figures.get("sections", {}).get(name)
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


def _summary(figures: dict[str, Any]) -> list[str]:
    rows = ["| figure | value | baseline (same run) | ratio | target |", "|---|---|---|---|---|"]
    r = _section(figures, "recommender")
    if r:
        rows += [
            f"| plan endpoint GET /api/v1/me/plan, 1,000 courses, warm: median | {_f(r['plan_ms'])} ms | "
            f"trivial endpoint {_f(r['trivial_ms'])} ms | {_f(r['plan_ratio'], 1)}× | {TARGETS['plan']} |",
            f"| the same, p95 | {_f(r['plan_p95_ms'])} ms | trivial median | {_f(r['plan_p95_ratio'], 1)}× | |",
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
    p = _section(figures, "population")
    if p:
        rows.append(
            f"| generate_population, {_f(p['learners'])} learners, {_f(p['events'])} events ({_f(p['rows'])} rows) | "
            f"{_f(p['generate_seconds'])} s | raw COPY of the same rows {_f(p['raw_copy_seconds'])} s | "
            f"{_f(p['ratio'], 1)}× | {TARGETS['population']} (estimate at this rate: "
            f"{_f(p['mission_estimate_minutes'], 0)} min) |"
        )
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


def _generic(data: dict[str, Any], prefix: str = "") -> list[str]:
    """A section whose layout this report does not know: every scalar figure, flattened."""
    out = []
    for key, value in data.items():
        if isinstance(value, dict):
            out += _generic(value, f"{prefix}{key}.")
        elif isinstance(value, (int, float, str)) and not isinstance(value, bool):
            out.append(f"| {prefix}{key} | {_f(value)} |")
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
        "## Summary",
        "",
        *_summary(figures),
        "",
        "## Plan latency and batch throughput",
        "",
        *_curves(figures),
        "",
    ]
    for name, title in (
        ("replan", "Batch re-planning on Celery workers (real broker)"),
        ("loadtest", "Load test: concurrent clients on loopback against gunicorn"),
    ):
        data = _section(figures, name)
        lines += [f"## {title}", ""]
        lines += ["| figure | value |", "|---|---|", *_generic(data)] if data else ["(not run)"]
        lines.append("")
    lines += ["## The product on a national-size population", "", *_at_scale(figures), ""]
    lines += ["## PostgreSQL changes, before and after", "", *_pg_changes(figures), ""]
    lines += ["## Time per section", "", "| section | scale | seconds |", "|---|---|---|"]
    for name, entry in figures.get("sections", {}).items():
        lines.append(f"| {name} | {entry.get('scale', '')} | {_f(entry.get('seconds'))} |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
