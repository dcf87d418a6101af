"""Issue 16: a broker that loses its data (Redis FLUSHDB with tasks queued) loses no work.

Completions are ingested with no worker running, so their re-plan and credential tasks wait in Redis;
the broker's database is flushed (only the test's own Redis database); a worker starts; the sweep
(`flush_task_outbox --sweep --resend-after 0`, the documented recovery) sends the durable tasks again
from their intents in PostgreSQL; every learner ends up re-planned and every intent is done."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
import redis
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from tests.integration.conftest import start_worker, stop_worker, wait_until_ready
from tests.integration.test_faults import _wait_for, sparse_recommender  # noqa: F401 - a fixture

pytestmark = [pytest.mark.postgres, pytest.mark.broker, pytest.mark.django_db(transaction=True)]


@pytest.mark.usefixtures("sparse_recommender")
def test_every_learner_is_replanned_after_the_broker_lost_its_queued_tasks(
    standard: Any, tmp_path: Any, settings: Any, capsys: Any
) -> None:
    from common.models import PendingTask
    from config.celery import app
    from courses.models import Course, Provider
    from courses.services import catalog_import
    from courses.tests.factories import PROVIDER, catalog_json, course_record
    from learners.tests.factories import LearnerFactory, UserFactory
    from recommender.models import LearnerPlan

    catalog_import(
        data=catalog_json([course_record(1, skills=[{"code": "DU04", "level": 3}], hours=8)]), filename="c.json"
    )
    course = Course.objects.get()
    provider_user = UserFactory.create()
    Provider.objects.get(name_ja=PROVIDER).members.add(provider_user)
    role = standard.roles.get(code="DS_PRO")
    learners = [LearnerFactory.create(target_role=role) for _ in range(24)]
    client = APIClient()
    client.force_authenticate(provider_user)
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)

    queue = f"loss-{uuid.uuid4().hex[:8]}"
    default_queue = app.conf.task_default_queue
    worker = None
    try:
        app.conf.task_always_eager = False  # conftest.py's autouse fixture restores it
        app.conf.task_default_queue = queue
        when = (timezone.now() - timedelta(hours=1)).isoformat()
        for batch in range(8):  # 8 ingests: re-plan and credential tasks, queued with no worker
            events = [
                {
                    "idempotency_key": f"done-{x.pk}",
                    "learner": str(x.public_id),
                    "course": course.pk,
                    "kind": "completed",
                    "occurred_at": when,
                }
                for x in learners[batch * 3 : batch * 3 + 3]
            ]
            response = client.post("/api/v1/progress-events/", {"events": events}, format="json")
            assert response.json()["created"] == 3, response.content
        intents = PendingTask.objects.filter(durable=True)
        queued = intents.count()
        replans = intents.filter(task_name="recommender.tasks.learners_replan_task").count()
        assert replans == 8 and not intents.filter(sent_at__isnull=True).exists()
        assert broker.llen(queue) == queued  # all waiting in Redis
        assert not LearnerPlan.objects.exists()

        broker.flushdb()  # Redis loses its data (only this test's broker database)
        assert broker.llen(queue) == 0

        worker = start_worker(queue=queue, log=tmp_path / "worker.log", extra_env={"RECOMMENDER_DENSE": "false"})
        wait_until_ready(worker)
        call_command("flush_task_outbox", "--sweep", "--resend-after", "0")
        assert f"{queued} durable task(s) sent again" in capsys.readouterr().out

        _wait_for(
            lambda: LearnerPlan.objects.filter(learner__in=learners).count() == len(learners),
            180,
            "every learner to be re-planned",
            worker.output,
        )
        _wait_for(
            lambda: not PendingTask.objects.filter(durable=True, done_at__isnull=True).exists(),
            60,
            "every intent to be done",
            worker.output,
        )
    finally:
        app.conf.task_default_queue = default_queue
        if worker is not None:
            stop_worker(worker)
    assert LearnerPlan.objects.filter(learner__in=learners).count() == 24
    # the sweep has nothing left to send
    call_command("flush_task_outbox", "--sweep", "--resend-after", "0")
    assert "0 durable task(s) sent again" in capsys.readouterr().out
