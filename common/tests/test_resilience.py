"""Without the cache, the broker or the database connection the site degrades cleanly (units; the real
services are stopped in tests/integration/test_faults.py)."""

from __future__ import annotations

import logging
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import RequestFactory
from kombu.exceptions import OperationalError as BrokerError
from rest_framework.test import APIClient

from common.cache import FailSafeRedisCache
from common.models import PendingTask
from common.queue import enqueue, pending_tasks_flush
from common.views import server_error
from learners.tests.factories import UserFactory
from recommender.tasks import learners_replan_task

pytestmark = pytest.mark.django_db


def test_an_unreachable_redis_cache_is_a_miss_not_an_error(caplog):
    cache = FailSafeRedisCache(
        "redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}
    )
    with caplog.at_level(logging.WARNING, logger="common.cache"):
        assert cache.get("k", "fallback") == "fallback"
        cache.set("k", "v", 10)
        assert cache.add("k", "v") is False
        assert cache.get_many(["a", "b"]) == {}
        cache.delete("k")
        cache.clear()
    assert "cache unavailable" in caplog.text


@pytest.fixture
def broker_not_eager():
    from config.celery import app

    app.conf.task_always_eager = False  # the autouse fixture in conftest.py restores it
    return app


def test_a_task_the_broker_cannot_take_waits_in_the_outbox(broker_not_eager, caplog, settings):
    settings.TASK_INTENTS = []  # the outbox alone; durable tasks below
    with (
        mock.patch.object(learners_replan_task, "apply_async", side_effect=BrokerError("connection refused")),
        caplog.at_level(logging.WARNING, logger="common.queue"),
    ):
        assert enqueue(learners_replan_task, learner_ids=[1, 2]) is False
    (pending,) = PendingTask.objects.all()
    assert (pending.task_name, pending.kwargs, pending.sent_at) == (
        "recommender.tasks.learners_replan_task",
        {"learner_ids": [1, 2]},
        None,
    )
    assert "kept in the task outbox" in caplog.text
    with mock.patch.object(broker_not_eager, "send_task", side_effect=BrokerError("still down")):
        assert pending_tasks_flush() == 0
    pending.refresh_from_db()
    assert pending.attempts == 1 and pending.sent_at is None
    with mock.patch.object(broker_not_eager, "send_task") as send:
        assert pending_tasks_flush() == 1
    send.assert_called_once()
    assert send.call_args.args == ("recommender.tasks.learners_replan_task",)
    assert send.call_args.kwargs["kwargs"] == {"learner_ids": [1, 2]}
    pending.refresh_from_db()
    assert pending.sent_at is not None
    with mock.patch.object(broker_not_eager, "send_task") as send:
        assert pending_tasks_flush() == 0  # sent once, never again
    send.assert_not_called()


def test_a_lost_database_is_a_503_for_the_api_and_the_pages(client):
    user = UserFactory.create()
    api = APIClient()
    api.force_authenticate(user)
    lost = OperationalError("server closed the connection unexpectedly")
    with mock.patch("learners.api.me.learner_profile_get_or_create", side_effect=lost):
        response = api.get("/api/v1/me/profile")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "database is not available" in response.json()["detail"]
    client.force_login(user)
    with mock.patch("learners.views.learner_profile_get_or_create", side_effect=lost):
        page = client.get("/me/")
    assert page.status_code == 503 and b"Service unavailable" in page.content


def test_the_500_handler_answers_503_for_database_errors():
    request = RequestFactory().get("/")
    try:
        raise OperationalError("terminating connection due to administrator command")
    except OperationalError:
        assert server_error(request).status_code == 503
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(request).status_code == 500


def test_healthz_can_check_only_the_database(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    assert client.get("/healthz").status_code == 503
    response = client.get("/healthz?only=database")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok"}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["api", "upload"])
def test_psycopg_errors_from_the_copy_path_are_a_503(standard, path, client, django_capture_on_commit_callbacks):
    """COPY (courses/bulk.py) talks to psycopg directly: its OperationalError is not wrapped by Django."""
    import psycopg
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    from courses.models import Course, Provider
    from courses.tests.factories import PROVIDER, catalog_json, course_record

    user = get_user_model().objects.create_user("provider1", password="pw-for-tests-1234")
    Provider.objects.create(name_ja=PROVIDER).members.add(user)
    body = catalog_json([course_record(1)])
    lost = psycopg.OperationalError("consuming input failed: server closed the connection unexpectedly")
    with (
        mock.patch("courses.bulk.OrmWriter.insert_courses", side_effect=lost),
        mock.patch("courses.bulk.PostgresCopyWriter.insert_courses", side_effect=lost),
    ):
        if path == "api":
            api = APIClient()
            api.force_authenticate(user)
            response = api.post("/api/v1/catalog/imports/", body, content_type="application/json")
        else:
            # The web upload is an import job run by a task after the commit (the request's own commit in
            # development, where the middleware answers 503; a worker in production): the error reaches the
            # task, which fails without marking the job done, so the re-sent task runs it again.
            from courses.models import CatalogImportJob
            from courses.services import catalog_import_job_run

            client.force_login(user)
            upload = SimpleUploadedFile("courses.json", body, "application/json")
            with pytest.raises(psycopg.OperationalError), django_capture_on_commit_callbacks(execute=True):
                assert client.post("/courses/upload/", {"file": upload}).status_code == 303
            assert not Course.objects.exists()
            job = CatalogImportJob.objects.get()
            assert job.status == "running" and job.import_run is None
    if path == "upload":
        rerun = catalog_import_job_run(job_id=job.pk)  # the database is back: the task is re-sent
        assert rerun is not None and rerun.status == "done"
        assert Course.objects.count() == 1
        return
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert not Course.objects.exists()


# --- durable tasks: intents kept until done, re-sent when the broker lost them (issue 16) --------------


def test_a_durable_task_intent_commits_with_the_work_and_is_sent_after(
    broker_not_eager, settings, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from common.queue import enqueue_on_commit

    settings.TASK_INTENTS = ["recommender.tasks.learners_replan_task"]
    with mock.patch.object(broker_not_eager, "send_task") as send:
        seen = []

        def work_that_fails() -> None:
            with transaction.atomic():
                enqueue_on_commit(learners_replan_task, learner_ids=[1])
                seen.append(PendingTask.objects.filter(durable=True).count())  # written in the transaction
                raise RuntimeError("the work failed")

        with pytest.raises(RuntimeError):
            work_that_fails()
        assert seen == [1]
        assert not PendingTask.objects.exists()  # rolled back with the work
        send.assert_not_called()
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            enqueue_on_commit(learners_replan_task, learner_ids=[1, 2])
            send.assert_not_called()  # not before the commit
    (row,) = PendingTask.objects.all()
    send.assert_called_once()
    assert send.call_args.kwargs["task_id"] == str(row.task_id)
    assert row.durable and row.sent_at is not None and row.done_at is None


def test_the_sweep_resends_durable_tasks_not_done_with_the_same_id(broker_not_eager, settings):
    from datetime import timedelta

    from django.utils import timezone

    from common.queue import pending_tasks_sweep, task_done

    settings.TASK_INTENTS = ["recommender.tasks.learners_replan_task"]
    with mock.patch.object(broker_not_eager, "send_task"):
        enqueue(learners_replan_task, learner_ids=[1])
        enqueue(learners_replan_task, learner_ids=[2])
    lost, finished = PendingTask.objects.order_by("pk")
    task_done(str(finished.task_id))  # what the worker's task_success receiver does
    PendingTask.objects.update(sent_at=timezone.now() - timedelta(minutes=11))
    with (
        mock.patch("common.queue.broker_queue_length", return_value=0),
        mock.patch.object(broker_not_eager, "send_task") as send,
    ):
        report = pending_tasks_sweep(resend_after=timedelta(minutes=10))
    assert (report.resent, report.not_done) == (1, 1)
    send.assert_called_once()
    assert send.call_args.kwargs["task_id"] == str(lost.task_id)
    # a queue that still holds messages: the lost task is not sent again yet (it may still be waiting)
    PendingTask.objects.update(sent_at=timezone.now() - timedelta(minutes=11))
    with (
        mock.patch("common.queue.broker_queue_length", return_value=5),
        mock.patch.object(broker_not_eager, "send_task") as send,
    ):
        assert pending_tasks_sweep(resend_after=timedelta(minutes=10)).resent == 0
    send.assert_not_called()
    task_done(str(lost.task_id))
    with mock.patch("common.queue.broker_queue_length", return_value=0):
        assert pending_tasks_sweep(resend_after=timedelta(0)).not_done == 0


def test_the_sweep_command_reports(broker_not_eager, settings, capsys):
    from django.core.management import call_command

    settings.TASK_INTENTS = ["recommender.tasks.learners_replan_task"]
    with mock.patch.object(broker_not_eager, "send_task"):
        enqueue(learners_replan_task, learner_ids=[1])
        with mock.patch("common.queue.broker_queue_length", return_value=0):
            call_command("flush_task_outbox", "--sweep", "--resend-after", "0")
    assert "1 durable task(s) sent again" in capsys.readouterr().out
