"""The national rollup under concurrency, on a real PostgreSQL server (and a catalog sync in a real worker)."""

import threading

import pytest
from celery.result import allow_join_result
from django.db import IntegrityError, connections, transaction

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_together(jobs):
    errors = []
    barrier = threading.Barrier(len(jobs))

    def run(job):
        try:
            barrier.wait(timeout=20)
            job()
        except Exception as exc:  # collected and asserted by the caller
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def test_concurrent_completions_of_one_person_count_them_once_in_the_earliest_year(standard):
    from national.models import NationalCount
    from national.services import national_cells_expected, national_cells_stored, national_reconcile
    from national.tests.factories import completion, course, ingest, jst, learner, staff

    lms = staff()
    people = [learner() for _ in range(5)]
    courses = [course(), course(skills=("TE08",)), course(skills=("BT01",)), course(skills=("SC01",))]
    years = [2025, 2023, 2024, 2022]
    jobs = [
        (lambda on=on, year=year: ingest(lms, *[completion(p, on, jst(year, 7, 1)) for p in people]))
        for on, year in zip(courses, years, strict=True)
    ]
    assert _run_together(jobs) == []
    assert NationalCount.objects.count() == 5
    assert set(NationalCount.objects.values_list("fiscal_year", flat=True)) == {2022}
    assert national_cells_stored() == national_cells_expected()
    assert national_reconcile().ok


def test_concurrent_writers_of_shared_cells_neither_deadlock_nor_drift(standard):
    """Eight transactions add and move people in the same cells (the total, each fiscal year) at once."""
    from national.services import national_cells_expected, national_cells_stored, national_reconcile
    from national.tests.factories import completion, course, ingest, jst, learner, staff

    lms = staff()
    on, earlier = course(), course(skills=("DU01",))
    groups = [[learner(prefecture=("13", "27")[n % 2]) for _ in range(6)] for n in range(8)]
    for group in groups[::2]:  # half of them are counted already, in FY2025
        ingest(lms, *[completion(p, on, jst(2025, 5, 1)) for p in group])

    def job(n, group):
        # Even groups move to FY2023 (negative and positive deltas), odd groups are new in FY2024.
        when = jst(2023, 5, 1) if n % 2 == 0 else jst(2024, 5, 1)
        ingest(lms, *[completion(p, earlier, when) for p in group])

    assert _run_together([lambda n=n, g=g: job(n, g) for n, g in enumerate(groups)]) == []
    stored = national_cells_stored()
    assert stored == national_cells_expected()
    assert stored[(1, 2023, "*", "*", "*", "*", "*")] == 24 and stored[(1, 2024, "*", "*", "*", "*", "*")] == 24
    assert (1, 2025, "*", "*", "*", "*", "*") not in stored  # emptied (kept at zero, not shown)
    assert national_reconcile().ok


def test_the_server_refuses_a_negative_cell(standard):
    from national.models import NationalCell
    from national.services import national_learner_forget
    from national.tests.factories import completion, course, ingest, jst, learner, staff

    person = learner()
    ingest(staff(), completion(person, course(), jst(2024, 5, 1)))
    NationalCell.objects.filter(grouping=0).update(people=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        national_learner_forget(learner_id=person.pk)


@pytest.mark.broker
def test_a_catalog_change_is_applied_by_the_sync_task_in_a_worker(standard, celery_worker_process):
    from courses.models import Course
    from national.models import NationalCount
    from national.services import national_catalog_sync, national_reconcile
    from national.tasks import national_catalog_sync_task
    from national.tests.factories import completion, course, ingest, jst, learner, staff

    person = learner()
    short = course(hours=3)
    ingest(staff(), completion(person, short, jst(2023, 5, 1)), completion(person, course(), jst(2025, 5, 1)))
    national_catalog_sync()
    assert NationalCount.objects.get().fiscal_year == 2025
    Course.objects.filter(pk=short.pk).update(hours=12)  # now it qualifies; the worker has to notice
    assert not national_reconcile().ok
    # Eager tasks run by the threads of earlier tests can leave Celery's process-wide "inside a task"
    # flag set (it is not thread-safe); this test is not inside a task.
    with allow_join_result():
        result = national_catalog_sync_task.apply_async(queue=celery_worker_process.queue).get(timeout=60)
    assert result["now_qualifying"] == 1 and result["moved"] == 1
    assert NationalCount.objects.get().fiscal_year == 2023
    assert national_reconcile().ok
