"""A real Celery worker process, started by the test, talking to the real broker and test database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    """The URL of the database this test session really uses (pytest-django's test_* database)."""
    s = connection.settings_dict
    user = quote(s.get("USER") or "")
    password = f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = s.get("HOST") or "127.0.0.1"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(s['NAME'])}"


test_database_url.__test__ = False  # type: ignore[attr-defined]  # not a test despite its name


class WorkerProcess:
    def __init__(self, process: subprocess.Popen[str], queue: str, hostname: str, log: Path) -> None:
        self.process, self.queue, self.hostname, self.log = process, queue, hostname, log

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def celery_worker_process(tmp_path: Path) -> Iterator[WorkerProcess]:
    """Start `celery worker` in a subprocess on a queue of its own; stop it afterwards."""
    from config.celery import app

    queue = f"test-{uuid.uuid4().hex[:10]}"
    hostname = f"{queue}@localhost"
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND or settings.CELERY_BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "-Q",
                queue,
                "-n",
                hostname,
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    worker = WorkerProcess(process, queue, hostname, log)
    previous_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"celery worker exited with {process.returncode}:\n{worker.output()}")
            if app.control.ping(destination=[hostname], timeout=1.0):
                break
        else:
            pytest.fail(f"celery worker did not answer a ping within 60 s:\n{worker.output()}")
        yield worker
    finally:
        app.conf.task_always_eager = previous_eager
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
