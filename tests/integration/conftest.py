"""A real Celery worker process, started by the test, talking to the real broker and test database."""

from __future__ import annotations

import os
import shutil
import socket
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


def start_worker(
    *,
    queue: str,
    log: Path,
    broker_url: str | None = None,
    result_backend: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> WorkerProcess:
    """Start `celery worker` (solo pool) in a subprocess on `queue`, against the test database."""
    hostname = f"{queue}-{uuid.uuid4().hex[:6]}@localhost"
    broker = broker_url or settings.CELERY_BROKER_URL
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": result_backend or settings.CELERY_RESULT_BACKEND or broker,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **(extra_env or {}),
    }
    with log.open("a", encoding="utf-8") as out:
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
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    return WorkerProcess(process, queue, hostname, log)


def wait_until_ready(worker: WorkerProcess, seconds: float = 90, since: int = 0) -> None:
    """Until the worker logs that it is ready (works whatever broker it uses)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            pytest.fail(f"celery worker exited with {worker.process.returncode}:\n{worker.output()}")
        if " ready." in worker.output()[since:]:
            return
        time.sleep(0.2)
    pytest.fail(f"celery worker was not ready within {seconds} s:\n{worker.output()}")


def stop_worker(worker: WorkerProcess) -> None:
    if worker.process.poll() is None:
        worker.process.terminate()
        try:
            worker.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait()


@pytest.fixture
def celery_worker_process(tmp_path: Path) -> Iterator[WorkerProcess]:
    """Start `celery worker` in a subprocess on a queue of its own; stop it afterwards."""
    from config.celery import app

    queue = f"test-{uuid.uuid4().hex[:10]}"
    worker = start_worker(queue=queue, log=tmp_path / "worker.log")
    previous_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if worker.process.poll() is not None:
                pytest.fail(f"celery worker exited with {worker.process.returncode}:\n{worker.output()}")
            if app.control.ping(destination=[worker.hostname], timeout=1.0):
                break
        else:
            pytest.fail(f"celery worker did not answer a ping within 60 s:\n{worker.output()}")
        yield worker
    finally:
        app.conf.task_always_eager = previous_eager
        stop_worker(worker)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateRedis:
    """A redis-server of this test's own (never the shared one): started, stopped and restarted at will."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            message = "needs redis-server on PATH for a private Redis"
            if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
                pytest.fail(message, pytrace=False)
            pytest.skip(message)
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.1)
        pytest.fail(f"private redis-server on port {self.port} did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    redis = PrivateRedis(tmp_path)
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()
