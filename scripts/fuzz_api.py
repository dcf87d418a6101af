"""Fuzz the API with schemathesis against /api/schema/, once per role; exit non-zero on any finding.

    DATABASE_URL=postgres://... python scripts/fuzz_api.py [--max-examples 8] [--max-time 30]

The database is migrated and given the standard, the sample catalog and the demo world (all
idempotent); every role then gets a fresh API key.  A web server is started on a free port
(tasks in-process, local-memory cache, the sparse recommender for speed) and schemathesis
runs the phases examples, coverage and fuzzing with the checks in CHECKS, as anonymous and as
each role.  Path parameters org_id, track_id and learner point at the organization admin's
own organization, so that role reaches past the 404s.  Reports go to --report-dir (JUnit XML).
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
ROLES = {  # role -> demo account (portal.demo); anonymous has none
    "anonymous": None,
    "learner": "learner01",
    "org_admin": "org1-admin",
    "provider": "provider",
    "ministry": "ministry",
    "staff": "admin",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare() -> dict[str, str]:
    """Migrate, load, seed; return the environment values schemathesis needs (keys and ids)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.services import api_token_issue
    from courses.models import Course
    from learners.models import Organization
    from learners.selectors import members_of, organizations_administered_by

    call_command("migrate", "--no-input", verbosity=0)
    call_command("load_dss", verbosity=0)
    if not Course.objects.exists():
        call_command(
            "import_catalog",
            str(ROOT / "fixtures" / "sample_catalog.json"),
            providers=str(ROOT / "fixtures" / "sample_providers.json"),
            verbosity=0,
        )
    call_command("load_exam_map", stdout=io.StringIO())  # exams and their estimated map (idempotent)
    call_command("load_case_programs", stdout=io.StringIO())
    if not Organization.objects.exists():
        call_command("seed_demo", force=True, verbosity=0)
    from django.contrib.auth.models import User

    values: dict[str, str] = {}
    for role, username in ROLES.items():
        if username is not None:
            user = User.objects.get(username=username)
            values[f"FUZZ_KEY_{role.upper()}"] = api_token_issue(user=user, name=f"fuzz {role}")[1]
    org = organizations_administered_by(user=User.objects.get(username=ROLES["org_admin"])).order_by("pk").first()
    assert org is not None, "the demo world has no organization for the admin"
    values["FUZZ_ORG_ID"] = str(org.pk)
    track = org.tracks.order_by("pk").first()
    values["FUZZ_TRACK_ID"] = str(track.pk if track else 1)
    member = members_of(organization=org).first()
    values["FUZZ_LEARNER"] = str(member.public_id if member else "00000000-0000-0000-0000-000000000000")
    return values


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-examples", type=int, default=8, help="test cases per operation and phase")
    parser.add_argument("--max-time", type=int, default=30, help="seconds per role (fuzzing repeats until spent)")
    parser.add_argument("--roles", default=",".join(ROLES), help="comma-separated subset of " + ",".join(ROLES))
    parser.add_argument("--report-dir", default=str(ROOT / "schemathesis-report"))
    parser.add_argument("--seed", type=int, default=20260401)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        print("DATABASE_URL must name the database to fuzz (it gets demo data)", file=sys.stderr)
        return 2
    # set-up runs tasks in-process (nothing is left in a broker no worker reads), without the dense model
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    os.environ["RECOMMENDER_DENSE"] = "false"
    values = prepare()
    port = _free_port()
    report_dir = Path(args.report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    server_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_URL", "REDIS_URL"}
    }
    server_env.update(
        DJANGO_DEBUG="false",
        SECRET_KEY=os.environ.get("SECRET_KEY", "fuzz-" + os.urandom(24).hex()),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        RECOMMENDER_DENSE="false",
        API_THROTTLE_ANON="100000/minute",
        API_THROTTLE_USER="100000/minute",
        API_THROTTLE_INGEST="100000/minute",
        # the fuzzing accounts must really reach the write endpoints: no throttle or lock-out gets in the way
        AUTH_LOCKOUT_API_KEY_FAILURES="100000",
        AUTH_LOCKOUT_USER_FAILURES="100000",
        AUTH_LOCKOUT_ADDRESS_FAILURES="100000",
        LOG_LEVEL="WARNING",
        STATIC_ROOT=str(report_dir / "static"),
    )
    # as in production: DEBUG off serves hashed static files from a manifest, so collect them first
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=server_env, check=True
    )
    server_log = report_dir / "server.log"
    with server_log.open("w", encoding="utf-8") as out:
        server = subprocess.Popen(  # noqa: S603
            # --nothreading: the development server then closes every connection after its answer, so
            # a chunked request body it cannot read (answered 411) does not spill into the next request
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--nothreading"],
            cwd=ROOT,
            env=server_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    failed: list[str] = []
    try:
        for _ in range(240):
            try:
                with urllib.request.urlopen(f"{base}/api/v1/ping", timeout=2):  # noqa: S310 - local server
                    break
            except OSError:
                if server.poll() is not None:
                    print(server_log.read_text(encoding="utf-8"), file=sys.stderr)
                    return 2
                time.sleep(0.5)
        st = Path(sys.executable).with_name("schemathesis")
        for role in args.roles.split(","):
            command = [
                str(st),
                "--config-file",
                str(ROOT / "schemathesis.toml"),
                "run",
                f"{base}/api/schema/",
                "--checks",
                CHECKS,
                "--phases",
                "examples,coverage,fuzzing",
                "--max-examples",
                str(args.max_examples),
                "--max-time",
                str(args.max_time),
                "--seed",
                str(args.seed),
                "--workers",
                "1",
                "--generation-database",
                "none",
                "--report",
                "junit",
                "--report-junit-path",
                str(report_dir / f"junit-{role}.xml"),
                "--no-color",
            ]
            key = values.get(f"FUZZ_KEY_{role.upper()}")
            if key:
                command += ["--header", f"Authorization: Bearer {key}"]
            print(f"\n--- schemathesis as {role}", flush=True)
            started = time.monotonic()
            result = subprocess.run(command, cwd=ROOT, env={**os.environ, **values}, check=False)  # noqa: S603
            print(f"--- {role}: exit {result.returncode} in {time.monotonic() - started:.0f} s", flush=True)
            if result.returncode != 0:
                failed.append(role)
    finally:
        server.terminate()
        server.wait(timeout=30)
    errors = [line for line in server_log.read_text(encoding="utf-8").splitlines() if "Internal Server Error" in line]
    print(f"\nserver errors (500) logged: {len(errors)}", flush=True)
    if failed or errors:
        print(f"\nschemathesis found problems as: {', '.join(failed) or '-'}; server errors logged: {len(errors)}")
        print("server log:", server_log)
        return 1
    print("\nschemathesis: no server errors and every response conforms to the schema, for every role")
    return 0


if __name__ == "__main__":
    sys.exit(main())
