"""Batch re-planning runs: chunks cover every stale plan once, a chunk run again plans nobody twice, a
resumed run plans only the rest, a catalog change supersedes an unfinished run (docs/replanning.md)."""

from io import StringIO
from itertools import pairwise
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from courses.services import catalog_version_bump
from learners.tests.factories import LearnerFactory
from recommender import services
from recommender.models import LearnerPlan, ReplanChunk, ReplanRun
from recommender.services import plan_refresh, replan_chunk_process, replan_run_resume, replan_run_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def plans():
    """17 learners with a plan older than the catalog, 6 with a current one, 3 without a plan (no target role:
    planning them needs no standard, which keeps these tests fast)."""
    learners = LearnerFactory.create_batch(26)
    stale, fresh = learners[:17], learners[17:23]
    version = catalog_version_bump()
    LearnerPlan.objects.bulk_create(
        [LearnerPlan(learner=x, catalog_version=version - 1) for x in stale]
        + [LearnerPlan(learner=x, catalog_version=version) for x in fresh]
    )
    return {"stale": sorted(x.pk for x in stale), "fresh": sorted(x.pk for x in fresh), "version": version}


def revisions() -> dict[int, int]:
    return dict(LearnerPlan.objects.values_list("learner_id", "revision"))


def chunks(run: ReplanRun) -> list[ReplanChunk]:
    return list(run.chunk_set.order_by("first_learner_id"))


def test_plan_refresh_raises_the_revision_by_one_each_time(plans):
    learner_id = plans["stale"][0]
    assert plan_refresh(learner_id=learner_id).revision == 2
    assert plan_refresh(learner_id=learner_id).revision == 3
    new = LearnerFactory.create()
    assert plan_refresh(learner_id=new.pk).revision == 1


def test_the_chunks_cover_every_stale_learner_exactly_once(plans, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        run = replan_run_start(chunk_size=5)
    assert (run.catalog_version, run.status, run.learners, run.chunks) == (plans["version"], "running", 17, 4)
    parts = chunks(run)
    assert [c.learners for c in parts] == [5, 5, 5, 2]
    covered = [i for c in parts for i in plans["stale"] if c.first_learner_id <= i <= c.last_learner_id]
    assert covered == plans["stale"]  # each stale learner in exactly one chunk, in order
    assert all(a.last_learner_id < b.first_learner_id for a, b in pairwise(parts))
    assert len(callbacks) == 1  # the chunks are sent after the run's commit, in one go


def test_a_run_replans_each_stale_learner_once_and_ends(plans, django_capture_on_commit_callbacks):
    before = revisions()
    with django_capture_on_commit_callbacks(execute=True):
        run = replan_run_start(chunk_size=5)
    after = revisions()
    assert {i for i in after if after[i] != before.get(i)} == set(plans["stale"])
    assert all(after[i] == before[i] + 1 for i in plans["stale"])
    assert set(LearnerPlan.objects.filter(learner_id__in=plans["stale"]).values_list("catalog_version", flat=True)) == {
        plans["version"]
    }
    run.refresh_from_db()
    assert run.status == "done" and run.finished_at is not None
    assert [(c.status, c.attempts) for c in chunks(run)] == [("done", 1)] * 4
    assert sum(c.planned for c in chunks(run)) == 17
    assert LearnerPlan.objects.count() == 23  # learners without a plan are not affected (planned when viewed)


def test_a_chunk_run_again_or_cut_short_plans_nobody_twice(plans, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        run = replan_run_start(chunk_size=5)
    first, second = chunks(run)[:2]
    replan_chunk_process(run_id=run.pk, chunk_id=first.pk)
    again = replan_chunk_process(run_id=run.pk, chunk_id=first.pk)  # a redelivered message
    assert (again.status, again.attempts, again.planned) == ("done", 1, 5)

    real = services.plan_compute
    calls = 0

    def dies_on_the_third(**kwargs):
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("worker lost")
        return real(**kwargs)

    with mock.patch.object(services, "plan_compute", dies_on_the_third), pytest.raises(RuntimeError):
        replan_chunk_process(run_id=run.pk, chunk_id=second.pk)
    second.refresh_from_db()
    assert (second.status, second.attempts, second.planned) == ("pending", 1, 2)
    second = replan_chunk_process(run_id=run.pk, chunk_id=second.pk)
    assert (second.status, second.attempts, second.planned) == ("done", 2, 5)
    done = plans["stale"][:10]
    assert {i: r for i, r in revisions().items() if i in done} == dict.fromkeys(done, 2)


def test_resume_after_a_partial_run_plans_only_the_rest(plans, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        run = replan_run_start(chunk_size=5)
    parts = chunks(run)
    replan_chunk_process(run_id=run.pk, chunk_id=parts[0].pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert replan_run_start(chunk_size=5) == run  # same catalog version: the unfinished run, nothing sent
    assert [c.status for c in chunks(run)] == ["done", "pending", "pending", "pending"]
    with django_capture_on_commit_callbacks(execute=True):
        assert replan_run_resume() == run
    assert [(c.status, c.attempts) for c in chunks(run)] == [("done", 1)] * 4
    assert {i: r for i, r in revisions().items() if i in plans["stale"]} == dict.fromkeys(plans["stale"], 2)
    run.refresh_from_db()
    assert run.status == "done"
    assert replan_run_resume() is None


def test_a_catalog_change_supersedes_an_unfinished_run(plans, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        old = replan_run_start(chunk_size=5)
    replan_chunk_process(run_id=old.pk, chunk_id=chunks(old)[0].pk)
    catalog_version_bump()
    with django_capture_on_commit_callbacks():
        new = replan_run_resume(chunk_size=10)  # resuming a run of an older catalog starts a new one instead
    assert new is not None and new != old
    old.refresh_from_db()
    assert old.status == "superseded" and old.finished_at is not None
    # every plan is older than the new version now: all 23, the 5 just planned included
    assert (new.catalog_version, new.learners, new.chunks) == (plans["version"] + 1, 23, 3)
    skipped = replan_chunk_process(run_id=old.pk, chunk_id=chunks(old)[1].pk)  # a late message of the old run
    assert (skipped.status, skipped.attempts) == ("pending", 0)
    assert ReplanRun.objects.filter(status="running").get() == new


def test_a_run_with_nothing_stale_is_done_at_once(db):
    run = replan_run_start()
    assert (run.status, run.learners, run.chunks, run.chunk_size) == ("done", 0, 0, 200)
    with pytest.raises(ValueError, match="chunk_size"):
        replan_run_start(chunk_size=-1)


@pytest.mark.django_db(transaction=True)  # a real commit: the chunks run (eagerly) before --wait looks
def test_replan_catalog_command(plans):
    out = StringIO()
    call_command("replan_catalog", "--status", stdout=out)
    assert out.getvalue() == "No re-planning run yet.\n"
    call_command("replan_catalog", "--chunk-size", "4", "--wait", "--timeout", "60", stdout=out)
    text = out.getvalue()
    assert "17 learners with an older plan in 5 chunks of 4" in text
    assert "done; chunks 5/5; 17 of 17 learners re-planned (0 to go)" in text
    call_command("replan_catalog", "--resume", stdout=out)
    assert out.getvalue().endswith("No unfinished re-planning run to resume.\n")
    with pytest.raises(CommandError, match="at least 1"):
        call_command("replan_catalog", "--chunk-size", "0")
