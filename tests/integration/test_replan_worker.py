"""Batch re-planning on a real Celery worker and Redis: the worker is SIGKILLed mid-run, a new one
starts, the run is resumed; every stale plan ends at the target version, each recomputed exactly once."""

from __future__ import annotations

import re
import signal
import uuid
from typing import Any

import psycopg
import pytest

from tests.integration.conftest import start_worker, stop_worker, test_database_url, wait_until_ready
from tests.integration.test_faults import _lock_waiters, _wait_for, sparse_recommender  # noqa: F401 - a fixture

pytestmark = [pytest.mark.postgres, pytest.mark.broker, pytest.mark.django_db(transaction=True)]


@pytest.mark.usefixtures("sparse_recommender")
def test_a_replan_run_killed_mid_way_resumes_and_plans_each_learner_exactly_once(standard: Any, tmp_path: Any) -> None:
    from config.celery import app
    from courses.selectors import catalog_version
    from courses.services import catalog_import
    from courses.tests.factories import catalog_json, course_record
    from learners.tests.factories import LearnerFactory
    from recommender.models import LearnerPlan, ReplanRun
    from recommender.services import replan_run_resume, replan_run_start

    catalog_import(
        data=catalog_json(
            [course_record(n, skills=[{"code": c, "level": 3}], hours=4 + n) for n, c in enumerate(["DU04", "DU05"], 1)]
        ),
        filename="c.json",
    )
    role = standard.roles.get(code="DS_PRO")
    learners = [LearnerFactory.create(target_role=role if n % 3 == 0 else None) for n in range(300)]
    target = catalog_version()
    LearnerPlan.objects.bulk_create([LearnerPlan(learner=x, catalog_version=target - 1) for x in learners])
    stale = sorted(x.pk for x in learners)
    blocker = stale[150]  # the first learner of the 7th chunk of 25

    queue = f"replan-{uuid.uuid4().hex[:8]}"
    env = {
        "RECOMMENDER_DENSE": "false",
        "CELERY_VISIBILITY_TIMEOUT": "5",  # the killed worker's message goes to the new one after 5 s
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    }
    admin = psycopg.connect(test_database_url(), autocommit=True)
    holder = psycopg.connect(test_database_url())  # holds one plan row: the run stops there
    worker1 = worker2 = None
    default_queue = app.conf.task_default_queue
    try:
        app.conf.task_always_eager = False  # conftest.py's autouse fixture restores it
        app.conf.task_default_queue = queue  # where `enqueue` sends the chunks
        holder.execute("SELECT id FROM recommender_learnerplan WHERE learner_id = %s FOR UPDATE", [blocker])
        worker1 = start_worker(queue=queue, log=tmp_path / "worker1.log", extra_env=env)
        wait_until_ready(worker1)
        run = replan_run_start(chunk_size=25)
        assert (run.learners, run.chunks) == (300, 12)
        _wait_for(lambda: _lock_waiters(admin) >= 1, 60, "the run to reach the held plan", worker1.output)
        assert run.chunk_set.filter(status="done").count() == 6
        worker1.process.send_signal(signal.SIGKILL)
        worker1.process.wait(timeout=20)
        killed = re.findall(r"replan_chunk_task\[([0-9a-f-]+)\] received", worker1.output())[-1]
        holder.commit()  # the killed worker's open transaction is rolled back by the server

        worker2 = start_worker(queue=queue, log=tmp_path / "worker2.log", extra_env=env)
        wait_until_ready(worker2)
        assert replan_run_resume() == run  # sends the 6 chunks not done again
        _wait_for(lambda: ReplanRun.objects.get(pk=run.pk).status == "done", 60, "the run to end", worker2.output)
        # The killed worker's own message comes back too (visibility timeout): a duplicate that plans nobody.
        _wait_for(lambda: f"[{killed}] succeeded" in worker2.output(), 60, "the redelivery", worker2.output)
    finally:
        app.conf.task_default_queue = default_queue
        holder.close()
        for worker in (worker1, worker2):
            if worker is not None:
                stop_worker(worker)
        admin.close()

    plans = dict(LearnerPlan.objects.filter(learner_id__in=stale).values_list("learner_id", "revision"))
    versions = set(LearnerPlan.objects.filter(learner_id__in=stale).values_list("catalog_version", flat=True))
    assert versions == {target}  # none skipped
    assert plans == dict.fromkeys(stale, 2)  # none planned twice: each revision rose by exactly one
    parts = list(run.chunk_set.order_by("first_learner_id"))
    assert [c.status for c in parts] == ["done"] * 12
    assert sum(c.planned for c in parts) == 300
    assert parts[6].attempts >= 2 and parts[6].first_learner_id == blocker  # cut short, then finished
    assert {c.worker for c in parts[:6]} == {worker1.hostname}
    assert {c.worker for c in parts[7:]} == {worker2.hostname}
