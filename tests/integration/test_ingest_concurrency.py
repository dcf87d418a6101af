"""Two LMS batches at once that each complete one person and report progress for the other.

Found by bench/loadtest.py: concurrent ingest answered 503 "deadlock detected".  Each batch's events
reference both people (foreign keys: PostgreSQL takes FOR KEY SHARE on both learner rows, at commit
since Django's foreign keys are deferred), and the national recount locked the person it recounts
FOR UPDATE, which conflicts with the other batch's key-share lock: each waited for the other.
"""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.db import connection, connections

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_crossing_batches_of_two_lmss_do_not_deadlock(standard):
    from learners.models import ProgressEvent
    from learners.services import EventIn, progress_events_ingest
    from national.models import NationalCount
    from national.services import national_reconcile
    from national.tests.factories import course, jst, learner, staff

    lms = staff()
    c1, c2, c3, c4 = course(), course(), course(), course()  # no enrollment shared between the batches
    x, y = learner(), learner()
    both_locked = threading.Barrier(2)
    errors: list[BaseException] = []

    def pause_after_the_recount_lock(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if "learners_learnerprofile" in sql and "FOR " in sql and "UPDATE" in sql:
            with contextlib.suppress(threading.BrokenBarrierError):
                both_locked.wait(timeout=3)  # both transactions hold their person's lock before either commits
        return result

    def batch(completes, on, progresses, other, name):
        try:
            with connection.execute_wrapper(pause_after_the_recount_lock):
                progress_events_ingest(
                    submitter=lms,
                    events=[
                        EventIn(0, f"{name}-p", str(progresses.public_id), other.pk, "progress", jst(2025, 5, 1), 50),
                        EventIn(1, f"{name}-c", str(completes.public_id), on.pk, "completed", jst(2025, 6, 1)),
                    ],
                )
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=batch, args=(x, c1, y, c2, "a")),
        threading.Thread(target=batch, args=(y, c3, x, c4, "b")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert ProgressEvent.objects.count() == 4
    assert NationalCount.objects.count() == 2
    assert national_reconcile().ok
