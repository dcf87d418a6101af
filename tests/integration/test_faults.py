"""Fault injection on the real services: a worker killed mid-task, a database connection dropped
mid-request, Redis stopped under a running web app.  Nothing is lost and nothing is done twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from tests.integration.conftest import (
    ROOT,
    PrivateRedis,
    free_port,
    start_worker,
    stop_worker,
    test_database_url,
    wait_until_ready,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _conninfo() -> str:
    return test_database_url()


def _wait_for(condition: Callable[[], Any], seconds: float, what: str, log: Callable[[], str] = str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out after {seconds} s waiting for {what}\n{log()}")


def _lock_waiters(admin: psycopg.Connection[Any]) -> int:
    row = admin.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    ).fetchone()
    return int(row[0]) if row else 0


# --- 1. a worker killed mid-task ------------------------------------------------------------


@pytest.fixture
def sparse_recommender(settings: Any) -> Iterator[None]:
    """This process infers as the test's workers do: without the dense model (it is cached per process)."""
    from recommender.engine import dense_encoder

    settings.RECOMMENDER_DENSE = False
    dense_encoder.cache_clear()
    yield
    dense_encoder.cache_clear()  # the next test loads whatever its settings say


@pytest.mark.broker
def test_a_worker_killed_mid_task_finishes_it_exactly_once_after_a_restart(
    standard, tmp_path, sparse_recommender, settings
):
    """courses_infer_tags_task (acks_late, idempotent) over 24 courses; the worker is SIGKILLed while
    it waits on course 12; a new worker gets the message again from Redis and completes it.  The tags
    are exactly those of one clean run: none missing, none twice."""
    from courses.models import Course, CourseSkill
    from courses.tests.factories import CourseFactory
    from recommender.inputs import course_text
    from recommender.planning import infer

    redis = PrivateRedis(tmp_path)
    redis.start()
    topics = ["機械学習モデルの評価", "SQLによるデータ抽出", "クラウド基盤の設計", "情報セキュリティ対策", "UXデザイン"]
    courses = [
        CourseFactory.create(
            title_ja=f"{topics[n % len(topics)]} 講座{n}",
            description_ja=f"{topics[n % len(topics)]}を実務で使えるように学ぶ。演習{n}回。",
            needs_skill_inference=True,
        )
        for n in range(24)
    ]
    ids = sorted(c.pk for c in courses)
    blocker_id = ids[11]
    queue = f"faults-{uuid.uuid4().hex[:8]}"
    env = {
        "RECOMMENDER_DENSE": "false",
        # every course gets tags to write (the calibrated threshold would propose none for these short texts,
        # with no reviewed tags to learn from), so the task really stops at course 12's locked row
        "RECOMMENDER_TAG_THRESHOLD": "0.01",
        "CELERY_VISIBILITY_TIMEOUT": "5",  # a dead worker's task goes to another one after 5 s
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",  # looked for every second (default every 100 s)
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    }
    log1, log2 = tmp_path / "worker1.log", tmp_path / "worker2.log"
    admin = psycopg.connect(_conninfo(), autocommit=True)
    holder = psycopg.connect(_conninfo())  # holds course 12's row: the task stops there
    worker1 = worker2 = None
    try:
        holder.execute("SELECT id FROM courses_course WHERE id = %s FOR UPDATE", [blocker_id])
        worker1 = start_worker(
            queue=queue, log=log1, broker_url=redis.url(0), result_backend=redis.url(1), extra_env=env
        )
        wait_until_ready(worker1)
        from config.celery import app

        app.conf.task_always_eager = False  # conftest.py's autouse fixture restores it
        with app.connection_for_write(redis.url(0)) as conn:
            app.send_task(
                "recommender.tasks.courses_infer_tags_task",
                kwargs={"course_ids": ids},
                queue=queue,
                connection=conn,
                ignore_result=True,
            )
        _wait_for(lambda: _lock_waiters(admin) >= 1, 90, "the task to reach course 12", worker1.output)
        before_kill = set(CourseSkill.objects.filter(course_id__in=ids).values_list("course_id", "skill_item_id"))
        assert {c for c, _ in before_kill} == set(ids[:11])  # mid-task: courses 1-11 done, 12 waiting
        worker1.process.send_signal(signal.SIGKILL)
        worker1.process.wait(timeout=20)
        assert "courses_infer_tags_task[" in worker1.output() and "] succeeded" not in worker1.output()

        worker2 = start_worker(
            queue=queue, log=log2, broker_url=redis.url(0), result_backend=redis.url(1), extra_env=env
        )
        wait_until_ready(worker2)
        # Redis gives the unacknowledged message to the new worker once the visibility timeout has passed;
        # the new run then waits on course 12 beside the killed run's open transaction.
        _wait_for(lambda: "] received" in worker2.output(), 90, "the message to be delivered again", worker2.output)
        _wait_for(lambda: _lock_waiters(admin) >= 2, 60, "the second run to reach course 12", worker2.output)
        holder.commit()  # release: the killed run's last transaction and the new run meet on course 12
        _wait_for(
            lambda: "] succeeded" in worker2.output() or "] raised" in worker2.output(),
            120,
            "the task to end",
            worker2.output,
        )
    finally:
        holder.close()
        for worker in (worker1, worker2):
            if worker is not None:
                stop_worker(worker)
        admin.close()
        redis.stop()

    expected = set()
    fresh = list(Course.objects.filter(pk__in=ids).order_by("pk"))
    settings.RECOMMENDER_TAG_THRESHOLD = 0.01  # as the workers ran (env above)
    results = infer(version=standard, texts=[course_text(c) for c in fresh])  # the tags the service proposes
    for course, result in zip(fresh, results, strict=True):
        for guess in result["skills"]:
            expected.add((course.pk, standard.skill_items.get(code=guess["code"]).pk))
    stored = list(CourseSkill.objects.filter(course_id__in=ids).values_list("course_id", "skill_item_id"))
    assert len(stored) == len(set(stored))  # nothing twice
    assert set(stored) == expected  # nothing missing, nothing extra: the effect of exactly one run
    assert before_kill < set(stored)
    assert "courses_infer_tags_task" in worker2.output() and "] succeeded" in worker2.output(), worker2.output()


# --- 2. the database connection dropped during a request --------------------------------------


class _DropConnectionAfter:
    """An execute wrapper: run the statement that matches, then have the server end this connection."""

    def __init__(self, marker: str) -> None:
        self.marker = marker
        self.fired = False

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        if not self.fired and self.marker in sql:
            self.fired = True
            pid = connection.connection.info.backend_pid
            with psycopg.connect(_conninfo(), autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", [pid])
                deadline = time.monotonic() + 10
                while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                    if time.monotonic() > deadline:
                        raise AssertionError("the backend did not end")
                    time.sleep(0.05)
        return result


def _provider_key() -> str:
    from accounts.services import api_token_issue
    from courses.models import Provider
    from courses.tests.factories import PROVIDER
    from learners.tests.factories import UserFactory

    user = UserFactory.create()
    Provider.objects.get_or_create(name_ja=PROVIDER)[0].members.add(user)
    return api_token_issue(user=user, name="faults")[1]


def test_a_connection_dropped_mid_ingest_is_a_503_and_writes_nothing(standard):
    from audit.models import AuditEntry
    from courses.models import Course
    from courses.services import catalog_import
    from courses.tests.factories import catalog_json, course_record
    from learners.models import Enrollment, ProgressEvent, SkillAssessment
    from learners.tests.factories import LearnerFactory

    catalog_import(data=catalog_json([course_record(n) for n in (1, 2, 3)]), filename="c.json")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {_provider_key()}")
    learner = LearnerFactory.create()
    when = (timezone.now() - timedelta(hours=1)).isoformat()
    batch = {
        "events": [
            {
                "idempotency_key": f"drop-{c.pk}",
                "learner": str(learner.public_id),
                "course": c.pk,
                "kind": "completed",
                "occurred_at": when,
            }
            for c in Course.objects.order_by("pk")
        ]
    }
    dropper = _DropConnectionAfter('INSERT INTO "learners_progressevent"')
    with connection.execute_wrapper(dropper):
        response = client.post("/api/v1/progress-events/", batch, format="json")
    assert dropper.fired
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "nothing was changed" in response.json()["detail"]
    # the events were inserted, then the connection died before the commit: nothing stayed
    assert ProgressEvent.objects.count() == 0
    assert Enrollment.objects.count() == 0
    assert SkillAssessment.objects.filter(source="course").count() == 0
    assert not AuditEntry.objects.filter(event="progress.ingest").exists()
    # the client retries the same batch: stored once; a third time: all duplicates
    first = client.post("/api/v1/progress-events/", batch, format="json").json()
    again = client.post("/api/v1/progress-events/", batch, format="json").json()
    assert (first["created"], again["duplicate"]) == (3, 3)
    assert ProgressEvent.objects.count() == 3
    assert Enrollment.objects.filter(status="completed").count() == 3


def test_a_connection_dropped_mid_import_is_a_503_and_writes_nothing(standard):
    from courses.models import Course, ImportRun
    from courses.tests.factories import catalog_json, course_record

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {_provider_key()}")
    body = catalog_json([course_record(n) for n in range(1, 41)])
    dropper = _DropConnectionAfter('INSERT INTO "courses_importrun"')  # after the courses were written
    with connection.execute_wrapper(dropper):
        response = client.post("/api/v1/catalog/imports/", body, content_type="application/json")
    assert dropper.fired and response.status_code == 503
    assert Course.objects.count() == 0 and ImportRun.objects.count() == 0
    assert client.post("/api/v1/catalog/imports/", body, content_type="application/json").status_code == 201
    assert Course.objects.count() == 40


def test_pages_answer_503_while_the_database_is_gone(client, standard):
    from django.db import connections

    db: Any = connections["default"]  # PostgreSQL's wrapper, which has close_pool()
    port = db.settings_dict["PORT"]
    db.close()
    db.close_pool()  # with DB_POOL (PostgreSQL's default) the pooled connections go with the server
    db.settings_dict["PORT"] = str(free_port())  # nothing listens there
    try:
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json()["checks"]["database"] == "unavailable"
        assert client.get("/api/v1/courses/").status_code == 503
        page = client.get("/courses/")
        assert page.status_code == 503 and b"Service unavailable" in page.content
    finally:
        db.close()
        db.close_pool()
        db.settings_dict["PORT"] = port


# --- 3. Redis stopped under a running web app ---------------------------------------------------


class WebServer:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log = log
        with log.open("w", encoding="utf-8") as out:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def request(
        self, path: str, *, data: bytes | None = None, headers: dict[str, str] | None = None, method: str = "GET"
    ) -> tuple[int, dict[str, str], bytes, float]:
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", data=data, headers=headers or {}, method=method
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(req, timeout=60) as response:  # noqa: S310
                return response.status, dict(response.headers), response.read(), time.monotonic() - started
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read(), time.monotonic() - started

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture
def redis_and_web(tmp_path: Path) -> Iterator[tuple[PrivateRedis, WebServer, dict[str, str]]]:
    redis = PrivateRedis(tmp_path)
    redis.start()
    queue = f"faults-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": redis.url(0),
        "CELERY_RESULT_BACKEND": redis.url(1),
        "CACHE_URL": redis.url(2),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "RECOMMENDER_DENSE": "false",
        "RECOMMENDER_TAG_THRESHOLD": "0.01",  # every imported course gets tags to wait for
        "DJANGO_DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    web = WebServer(env, tmp_path / "web.log")
    try:
        _wait_for(lambda: web.process.poll() is None and _answers(web), 120, "the web server to start", web.output)
        yield redis, web, env
    finally:
        web.stop()
        redis.stop()


def _answers(web: WebServer) -> bool:
    try:
        return web.request("/api/v1/ping")[0] == 200
    except OSError:
        return False


@pytest.mark.broker
def test_with_redis_stopped_the_site_serves_and_no_task_is_lost(standard, redis_and_web, tmp_path):
    from common.models import PendingTask
    from courses.models import Course, CourseSkill
    from courses.tests.factories import catalog_json, course_record
    from learners.tests.factories import LearnerFactory
    from recommender.models import LearnerPlan

    redis, web, env = redis_and_web
    key = _provider_key()
    auth = {"Authorization": f"Bearer {key}"}
    status, _h, body, _t = web.request("/healthz")
    assert status == 200, body

    redis.stop()  # the broker, the result backend and the cache all go
    status, _h, body, _t = web.request("/healthz")
    assert status == 503
    assert json.loads(body)["checks"] == {"database": "ok", "cache": "unavailable", "broker": "unavailable"}
    assert web.request("/healthz?only=database")[0] == 200
    for path in (
        "/",
        "/courses/",
        "/standard/",
        "/accounts/login/",
        "/api/v1/courses/?q=%E3%83%87%E3%83%BC%E3%82%BF",
        "/api/v1/standard/roles/",
    ):
        status, _h, _b, elapsed = web.request(path)
        assert status == 200, path
        assert elapsed < 10, (path, elapsed)

    # an import: stored at once; its follow-up tasks wait in the outbox
    records = [course_record(n, skills=[], title_ja=f"生成AIの業務活用 第{n}回") for n in (1, 2, 3)]
    status, _h, body, elapsed = web.request(
        "/api/v1/catalog/imports/",
        data=catalog_json(records),
        headers={**auth, "Content-Type": "application/json"},
        method="POST",
    )
    assert status == 201, body
    assert elapsed < 20
    imported = set(Course.objects.filter(code__in=["T-001", "T-002", "T-003"]).values_list("pk", flat=True))
    assert len(imported) == 3
    # a completion: recorded at once; the re-plan waits in the outbox
    learner = LearnerFactory.create(target_role=standard.roles.get(code="DS_PRO"))
    event = {
        "events": [
            {
                "idempotency_key": "while-redis-is-down",
                "learner": str(learner.public_id),
                "course": min(imported),
                "kind": "completed",
                "occurred_at": (timezone.now() - timedelta(minutes=1)).isoformat(),
            }
        ]
    }
    status, _h, body, _t = web.request(
        "/api/v1/progress-events/",
        data=json.dumps(event).encode(),
        headers={**auth, "Content-Type": "application/json"},
        method="POST",
    )
    assert status == 200 and json.loads(body)["created"] == 1
    waiting = {p.task_name: p.kwargs for p in PendingTask.objects.filter(sent_at__isnull=True)}
    waiting_ids = list(PendingTask.objects.filter(sent_at__isnull=True).values_list("pk", flat=True))
    assert set(waiting) == {
        "recommender.tasks.courses_infer_tags_task",
        "recommender.tasks.stale_plans_refresh_task",
        "recommender.tasks.learners_replan_task",
        "national.tasks.national_catalog_sync_task",  # the catalog changed: courses may start to qualify
        "interop.tasks.credentials_award_task",  # a completion may earn a credential
    }
    assert set(waiting["recommender.tasks.courses_infer_tags_task"]["course_ids"]) == imported
    assert waiting["recommender.tasks.learners_replan_task"] == {"learner_ids": [learner.pk]}
    assert "kept in the task outbox" in web.output()
    assert "cache unavailable" in web.output()
    assert not CourseSkill.objects.filter(course_id__in=imported).exists()
    assert not LearnerPlan.objects.filter(learner=learner).exists()

    # Redis comes back; a worker starts and first sends the outbox; every task runs once
    redis.start()
    worker = start_worker(
        queue=env["CELERY_TASK_DEFAULT_QUEUE"],
        log=tmp_path / "worker.log",
        broker_url=redis.url(0),
        result_backend=redis.url(1),
        extra_env={"RECOMMENDER_DENSE": "false", "RECOMMENDER_TAG_THRESHOLD": "0.01", "CACHE_URL": redis.url(2)},
    )
    try:
        wait_until_ready(worker)
        _wait_for(
            lambda: not PendingTask.objects.filter(sent_at__isnull=True).exists(), 60, "the outbox", worker.output
        )
        _wait_for(
            lambda: (
                set(CourseSkill.objects.filter(course_id__in=imported).values_list("course_id", flat=True)) == imported
            ),
            120,
            "inferred tags for the imported courses",
            worker.output,
        )
        _wait_for(lambda: LearnerPlan.objects.filter(learner=learner).exists(), 120, "the re-plan", worker.output)
        _wait_for(lambda: worker.output().count("succeeded") >= 3, 60, "three tasks to finish", worker.output)
        # the web process sends directly again (no restart needed, nothing more in the outbox)
        status, _h, body, _t = web.request(
            "/api/v1/catalog/imports/",
            data=catalog_json([course_record(4, skills=[], title_ja="データ可視化の基礎")]),
            headers={**auth, "Content-Type": "application/json"},
            method="POST",
        )
        assert status == 201, body
        later = Course.objects.get(code="T-004").pk
        _wait_for(
            lambda: CourseSkill.objects.filter(course_id=later).exists(), 120, "tags after recovery", worker.output
        )
        # a task the worker itself enqueues (the re-plan chunks of the second catalog change) is an intent
        # row for the moment between writing it and handing it to the broker: it must leave the outbox
        _wait_for(
            lambda: not PendingTask.objects.filter(sent_at__isnull=True).exists(),
            30,
            "the outbox after recovery",
            worker.output,
        )
    finally:
        stop_worker(worker)
    # each task that waited was sent exactly once (durable intents sent before the outage are rows too)
    assert PendingTask.objects.filter(pk__in=waiting_ids, attempts=1).count() == 5
    for task in ("courses_infer_tags_task", "stale_plans_refresh_task", "learners_replan_task"):
        assert worker.output().count(f"recommender.tasks.{task}[") >= 2, task  # received, succeeded
    assert worker.output().count("courses_infer_tags_task[") == 4  # two tasks, each received and succeeded once
    assert web.request("/healthz")[0] == 200
