#!/usr/bin/env python
"""Load test: concurrent clients on loopback against gunicorn, every figure a ratio to a baseline of the same run.

The app runs under gunicorn (`config.wsgi:application`, 2 sync workers by default) with production
settings (DJANGO_DEBUG=false; only SECURE_SSL_REDIRECT is off, since the test speaks plain HTTP on
127.0.0.1), Redis as cache and broker when one answers on --redis (database 15 cache, 14 broker; no
worker consumes it, as on a web node whose workers live elsewhere), and a scratch PostgreSQL database
`dxp_bench_load` holding the standard, a 1,000-course catalog and --learners learners, each with an
API key and a stored plan.  Locust (headless, FastHttpUser, no wait between requests) drives:

1. baseline  GET /api/v1/orgs/ as a learner: token lookup and one tiny query;
2. plan      GET /api/v1/me/plan (warm, stored plan) as many different learners;
3. ingest    POST /api/v1/progress-events/ as an LMS: batches of --batch events, new keys each time.

for --seconds each against each database connection mode, one gunicorn per mode:
`no-persistent` (DB_CONN_MAX_AGE=0, a new PostgreSQL connection per request), `conn-max-age-60`
(DB_CONN_MAX_AGE=60) and `pool` (DB_POOL=true: psycopg's pool, see config/database.py).  The modes
take turns, --rounds times in a rotated order, so a neighbour's load on a shared machine falls on
all of them.  Throughput and p95 are reported as ratios to the baseline scenario of the same mode,
and each mode's figures as ratios to `no-persistent` (before/after for connection pooling), with
the PostgreSQL connections each mode opened.  Results of one run: bench/results/pooling.md.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/loadtest.py
    ... --seconds 20 --users 8 --modes pool   (one mode)
It creates (and afterwards drops) its own database `dxp_bench_load` on that server.  `run()` returns
the figures as a dict; it does not set up Django in the calling process (a child process prepares the
data) and restores the caller's environment.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
# The project's packages first (bench/recommender.py would shadow the recommender app), bench/ last.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(ROOT))
sys.path.append(str(BENCH))
BENCH_DB = "dxp_bench_load"
# name -> (locust user class, what it does)
SCENARIOS = {
    "baseline": ("Baseline", "GET /api/v1/orgs/ (trivial, authenticated)"),
    "plan": ("Plan", "GET /api/v1/me/plan (warm, many learners)"),
    "ingest": ("Ingest", "POST /api/v1/progress-events/"),
}
# name -> environment of the web processes
MODES = {
    "no-persistent": {"DB_CONN_MAX_AGE": "0", "DB_POOL": "false"},
    "conn-max-age-60": {"DB_CONN_MAX_AGE": "60", "DB_POOL": "false"},
    "pool": {"DB_CONN_MAX_AGE": "0", "DB_POOL": "true", "DB_POOL_MIN_SIZE": "1", "DB_POOL_MAX_SIZE": "4"},
}


def say(message: str) -> None:
    print(message, flush=True)


# --- the data (in a child process: Django is set up there, not in the caller) -------------------


def prepare(data_file: Path, learners: int) -> None:
    """Standard, 1,000-course catalog, learners with API keys and stored plans; their keys to `data_file`."""

    import django

    django.setup()
    import catalog as catalog_bench
    from django.contrib.auth.models import User
    from django.db import connection
    from django.utils import timezone

    from accounts.models import ApiToken
    from accounts.services import api_token_issue, hash_key
    from courses.models import Course
    from learners.models import LearnerProfile, SkillAssessment
    from recommender.models import LearnerPlan
    from recommender.tasks import learners_replan_task

    say("      standard and a 1,000-course catalog (the sample, varied)")
    version = catalog_bench.standard_and_catalog(1000, "load.json")
    roles, items = list(version.roles.all()), list(version.skill_items.all())

    say(f"      {learners:,} learners with target roles, self-assessments and API keys")
    users = User.objects.bulk_create([User(username=f"load{n}") for n in range(learners)], batch_size=2000)
    profiles = LearnerProfile.objects.bulk_create(
        [
            LearnerProfile(
                user=u, target_role=roles[n % len(roles)], weekly_hours=3 + n % 6, budget_jpy=(n % 5) * 20000
            )
            for n, u in enumerate(users)
        ],
        batch_size=2000,
    )
    now = timezone.now()
    SkillAssessment.objects.bulk_create(
        [
            SkillAssessment(
                learner=p, skill_item=items[(n * 7 + k) % len(items)], level=(n + k) % 4, source="self", assessed_at=now
            )
            for n, p in enumerate(profiles)
            for k in range(4)
        ],
        batch_size=5000,
    )
    keys = []
    tokens = []
    for n, user in enumerate(users):
        prefix = f"{n:012x}"
        key = f"dxp_{prefix}_{secrets.token_urlsafe(32)}"
        keys.append(key)
        tokens.append(ApiToken(user=user, name="load", prefix=prefix, key_hash=hash_key(key)))
    ApiToken.objects.bulk_create(tokens, batch_size=2000)
    submitter = User.objects.create(username="load-lms", is_staff=True)
    _token, submitter_key = api_token_issue(user=submitter, name="load")

    ids = [p.pk for p in profiles]
    for start in range(0, len(ids), 100):
        learners_replan_task(learner_ids=ids[start : start + 100])
        say(f"      plans stored: {min(start + 100, len(ids)):,}/{len(ids):,}")
    assert LearnerPlan.objects.count() == len(ids)
    data = {
        "learner_tokens": keys,
        "learner_ids": [str(p.public_id) for p in profiles],
        "course_ids": list(Course.objects.filter(status="published").values_list("pk", flat=True)),
        "submitter_token": submitter_key,
        "pg_version": connection.pg_version // 10000,  # type: ignore[attr-defined]
    }
    data_file.write_text(json.dumps(data), encoding="utf-8")
    connection.close()


# --- the server and the load ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def redis_answers(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


def server_env(database_url: str, redis_url: str | None, name: str) -> dict[str, str]:
    mode = MODES[name]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_POOL", "DB_CONN_MAX_AGE", "CELERY_", "CACHE_"))}
    env.update(
        DATABASE_URL=f"{database_url}{'&' if '?' in database_url else '?'}application_name=dxp-load-{name}",
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",  # plain HTTP on loopback; everything else stays as in production
        API_THROTTLE_ANON="1000000/minute",
        API_THROTTLE_USER="1000000/minute",
        API_THROTTLE_INGEST="1000000/minute",
        LOG_LEVEL="WARNING",
        **mode,
    )
    if redis_url:
        env.update(CACHE_URL=f"{redis_url}/15", CELERY_BROKER_URL=f"{redis_url}/14")
    return env


def start_server(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(ROOT),
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)  # noqa: S603
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz?only=database", timeout=2) as r:
                if r.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError(f"gunicorn did not answer within 90 s; see {log}")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_locust(
    user_class: str, *, host: str, seconds: float, users: int, data_file: Path, batch: int, workdir: Path, label: str
) -> dict[str, Any]:
    prefix = workdir / f"{label}-{user_class}"
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{seconds:g}s",
        "--host",
        host,
        "--json-file",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
        user_class,
    ]
    env = {**os.environ, "LOADTEST_DATA": str(data_file), "LOADTEST_USERS": str(users), "LOADTEST_BATCH": str(batch)}
    log = workdir / f"{label}-{user_class}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        start = time.monotonic()
        shown = 0
        while process.poll() is None:
            time.sleep(0.5)
            elapsed = int(time.monotonic() - start)
            if elapsed >= shown + 5 and elapsed < seconds:
                shown = elapsed - elapsed % 5
                say(f"        {shown:>3}/{seconds:g} s")
            if elapsed > seconds + 60:
                process.kill()
    stats = Path(f"{prefix}.json")
    if not stats.exists():
        raise RuntimeError(f"locust wrote no statistics; see {log}")
    return summarize(json.loads(stats.read_text("utf-8")))


def summarize(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Locust's final statistics (its --json-file: one entry per endpoint) as one set of figures.

    Keeps the response-time histogram ({milliseconds, rounded as locust does: count}) so that runs
    can be combined exactly."""
    histogram: dict[int, int] = {}
    requests = failures = 0
    busy = 0.0
    for entry in entries:
        requests += entry["num_requests"]
        failures += entry["num_failures"]
        if entry["num_requests"]:
            busy = max(busy, entry["last_request_timestamp"] - entry["start_time"])
        for ms, count in entry["response_times"].items():
            histogram[int(float(ms))] = histogram.get(int(float(ms)), 0) + count
    return figures_from(histogram, requests=requests, failures=failures, busy=busy)


def percentile(histogram: dict[int, int], share: float) -> float:
    total = sum(histogram.values())
    if not total:
        return 0.0
    seen = 0
    for ms in sorted(histogram):
        seen += histogram[ms]
        if seen >= share * total:
            return float(ms)
    return float(max(histogram))


def figures_from(histogram: dict[int, int], *, requests: int, failures: int, busy: float) -> dict[str, Any]:
    return {
        "requests": requests,
        "failures": failures,
        "seconds": busy,
        "rps": requests / busy if busy else 0.0,
        "median_ms": percentile(histogram, 0.5),
        "p95_ms": percentile(histogram, 0.95),
        "histogram": histogram,
    }


def _admin_query(admin_url: str, sql: str, params: list[Any]) -> int:
    import psycopg

    with psycopg.connect(admin_url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        row = conn.execute(sql, params).fetchone()
        return int(row[0]) if row and row[0] is not None else 0


def sessions_opened(admin_url: str) -> int:
    """Connections ever opened to the benchmark database (PostgreSQL 14+; a backend reports its own)."""
    return _admin_query(admin_url, "SELECT sessions FROM pg_stat_database WHERE datname = %s", [BENCH_DB])


def connections_held(admin_url: str, mode: str) -> int:
    """Server connections one mode's web processes hold open now (named by application_name)."""
    sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s"
    return _admin_query(admin_url, sql, [BENCH_DB, f"dxp-load-{mode}"])


# --- the run -----------------------------------------------------------------------------------


def combine(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Several runs of one scenario as one: requests over the summed time, percentiles of the merged histogram."""
    histogram: dict[int, int] = {}
    for r in rounds:
        for ms, count in r["histogram"].items():
            histogram[ms] = histogram.get(ms, 0) + count
    return figures_from(
        histogram,
        requests=sum(r["requests"] for r in rounds),
        failures=sum(r["failures"] for r in rounds),
        busy=sum(r["seconds"] for r in rounds),
    )


def run(
    *,
    seconds: float = 20.0,
    rounds: int = 2,
    users: int = 8,
    learners: int = 500,
    workers: int = 2,
    batch: int = 50,
    modes: tuple[str, ...] = tuple(MODES),
    redis_url: str = "redis://127.0.0.1:6379",
    keep: bool = False,
) -> dict[str, Any]:
    """Set up, load every mode's server with every scenario, tear down; returns every figure.

    One gunicorn per mode runs throughout, and the modes take turns (in a rotated order each round)
    for `seconds / rounds` at a time, so a neighbour's load on a shared machine falls on all of them."""
    import catalog as catalog_bench

    saved_environ = dict(os.environ)
    workdir = Path(tempfile.mkdtemp(prefix="dxp-loadtest-"))
    data_file = workdir / "data.json"
    admin_url = catalog_bench.start_scratch_database(BENCH_DB, "[1/4]")
    database_url = os.environ["DATABASE_URL"]
    redis: str | None = redis_url if redis_answers(f"{redis_url}/14") else None
    slice_s = seconds / rounds
    results: dict[str, Any] = {
        "seconds": seconds,
        "rounds": rounds,
        "users": users,
        "learners": learners,
        "workers": workers,
        "batch": batch,
        "cpus": os.cpu_count(),
        "redis": bool(redis),
        "modes": {},
    }
    servers: dict[str, subprocess.Popen[bytes]] = {}
    try:
        say("[2/4] data (in a child process)")
        subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--prepare", str(data_file), "--learners", str(learners)],
            check=True,
            env={**os.environ, "CELERY_TASK_ALWAYS_EAGER": "true", "LOG_LEVEL": "WARNING"},
        )
        results["pg_version"] = json.loads(data_file.read_text("utf-8"))["pg_version"]
        if redis is None:
            say("      no Redis answers: the web processes run tasks in-process and cache in memory")
        else:
            flush_redis(redis)
        ports = {}
        for mode in modes:
            ports[mode] = free_port()
            servers[mode] = start_server(
                server_env(database_url, redis, mode), ports[mode], workers, workdir / f"gunicorn-{mode}.log"
            )
        say(
            f"[3/4] {len(modes)} gunicorns ({workers} workers each): "
            + ", ".join(f"{m} on :{p}" for m, p in ports.items())
        )
        say(f"      {rounds} rounds; in each, every scenario against every mode for {slice_s:g} s, {users} users")
        runs: dict[str, dict[str, list[dict[str, Any]]]] = {m: {n: [] for n in SCENARIOS} for m in modes}
        opened = dict.fromkeys(modes, 0)
        for number in range(rounds):
            order = modes[number % len(modes) :] + modes[: number % len(modes)]
            for name, (user_class, what) in SCENARIOS.items():
                for mode in order:
                    say(f"      round {number + 1}/{rounds}, {name} ({what}), {mode}")
                    before = sessions_opened(admin_url)
                    figures = run_locust(
                        user_class,
                        host=f"http://127.0.0.1:{ports[mode]}",
                        seconds=slice_s,
                        users=users,
                        data_file=data_file,
                        batch=batch,
                        workdir=workdir,
                        label=f"{mode}-{number}",
                    )
                    time.sleep(1.0)  # the last backends' statistics reach the server
                    opened[mode] += sessions_opened(admin_url) - before
                    runs[mode][name].append(figures)
                    say(
                        f"        {figures['rps']:.1f} requests/s, median {figures['median_ms']:.0f} ms, "
                        f"p95 {figures['p95_ms']:.0f} ms, {figures['failures']:.0f} failures"
                    )
        held = {mode: connections_held(admin_url, mode) for mode in modes}
        for mode in modes:
            scenarios = {name: combine(rs) for name, rs in runs[mode].items()}
            for f in scenarios.values():
                del f["histogram"]
            base = scenarios["baseline"]
            for f in scenarios.values():
                f["throughput_ratio"] = f["rps"] / base["rps"] if base["rps"] else 0.0
                f["p95_ratio"] = f["p95_ms"] / base["p95_ms"] if base["p95_ms"] else 0.0
            total = sum(f["requests"] for f in scenarios.values())
            results["modes"][mode] = {
                "scenarios": scenarios,
                "connections_opened": opened[mode],
                "connections_held": held[mode],
                "connections_per_request": opened[mode] / total if total else 0.0,
            }
        reference = results["modes"].get("no-persistent")
        if reference:
            for data in results["modes"].values():
                for name, f in data["scenarios"].items():
                    b = reference["scenarios"][name]
                    f["throughput_vs_no_persistent"] = f["rps"] / b["rps"] if b["rps"] else 0.0
                    f["p95_vs_no_persistent"] = f["p95_ms"] / b["p95_ms"] if b["p95_ms"] else 0.0
        results["logs"] = str(workdir)
        say(f"[4/4] results (gunicorn and locust logs in {workdir})")
        return results
    finally:
        for server in servers.values():
            stop_server(server)
        if redis:
            flush_redis(redis)
        if not keep:
            catalog_bench.drop_database(admin_url)
        os.environ.clear()
        os.environ.update(saved_environ)


def flush_redis(url: str) -> None:
    """Empty this run's Redis databases: 14 (queued tasks no worker took) and 15 (cache)."""
    import redis as redis_client

    for db in (14, 15):
        redis_client.Redis.from_url(f"{url}/{db}").flushdb()


def table(results: dict[str, Any]) -> str:
    lines = [
        f"Load test, PostgreSQL {results.get('pg_version', '?')}, gunicorn {results['workers']} sync workers, "
        f"locust {results['users']} users, {results['seconds']:g} s per scenario and mode "
        f"in {results['rounds']} turns, {results['learners']:,} learners, "
        f"ingest batches of {results['batch']}, {results['cpus']} CPUs, Redis {'yes' if results['redis'] else 'no'}",
        f"{'mode':<16}{'scenario':<10}{'req/s':>9}{'median':>9}{'p95':>8}{'fail':>6}"
        f"{'req/s':>8}{'p95':>7}{'req/s':>8}{'p95':>7}",
        f"{'':<16}{'':<10}{'':>9}{'ms':>9}{'ms':>8}{'':>6}{'÷ baseline':>15}{'÷ no-persistent':>15}",
    ]
    for mode, data in results["modes"].items():
        for name, f in data["scenarios"].items():
            vs = (
                f"{f['throughput_vs_no_persistent']:>8.2f}{f['p95_vs_no_persistent']:>7.2f}"
                if "throughput_vs_no_persistent" in f
                else ""
            )
            lines.append(
                f"{mode:<16}{name:<10}{f['rps']:>9.1f}{f['median_ms']:>9.0f}{f['p95_ms']:>8.0f}{f['failures']:>6.0f}"
                f"{f['throughput_ratio']:>8.2f}{f['p95_ratio']:>7.2f}{vs}"
            )
        lines.append(
            f"{'':<16}PostgreSQL connections opened during the load: {data['connections_opened']:,} "
            f"({data['connections_per_request']:.3f} per request); held open at the end: {data['connections_held']}"
        )
    return "\n".join(lines)


def summary(results: dict[str, Any]) -> str:
    modes = results["modes"]
    if "no-persistent" not in modes or len(modes) < 2:
        return ""
    parts = []
    for mode in modes:
        if mode == "no-persistent":
            continue
        gains = ", ".join(
            f"{name} x{f['throughput_vs_no_persistent']:.2f} req/s" for name, f in modes[mode]["scenarios"].items()
        )
        parts.append(f"{mode}: {gains}")
    return "Against a new connection per request: " + "; ".join(parts) + "."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="per scenario and mode (default 20)")
    parser.add_argument("--rounds", type=int, default=2, help="turns the modes take, --seconds split among them")
    parser.add_argument("--users", type=int, default=8, help="concurrent simulated clients (default 8)")
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--batch", type=int, default=50, help="events per ingest request (default 50)")
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, of {', '.join(MODES)}")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="Redis for cache (db 15) and broker (14)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)  # the child process's job
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare, args.learners)
        return
    modes = tuple(m.strip() for m in args.modes.split(",") if m.strip())
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        sys.exit(f"unknown mode(s) {', '.join(unknown)}; choose from {', '.join(MODES)}")
    results = run(
        seconds=args.seconds,
        rounds=max(1, args.rounds),
        users=args.users,
        learners=args.learners,
        workers=args.workers,
        batch=args.batch,
        modes=modes,
        redis_url=args.redis,
        keep=args.keep,
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print()
    print(table(results))
    print(summary(results))


if __name__ == "__main__":
    main()
