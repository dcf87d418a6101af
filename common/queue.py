"""Sending Celery tasks without losing them: the broker down, or the broker losing its data.

`enqueue` tries the broker (with the short publish retry policy in settings); if it still
cannot send, it logs a warning and stores the task in the outbox (`PendingTask`).

Tasks whose work matters (settings.TASK_INTENTS: re-plans, credentials, national recounts, tag
inference) are *durable*: a `PendingTask` row is written for every one, before it is sent, and
stays until a worker reports that the task succeeded (`done_at`, set by the `task_success` signal,
matched by the task id every send reuses).  `enqueue_on_commit` writes that row inside the caller's
transaction, so the intent commits with the work it follows, and sends after the commit.  A broker
that loses its data (Redis restarted without persistence, FLUSHDB) loses only messages: the sweep
(`pending_tasks_sweep`, run periodically by celery beat and by `manage.py flush_task_outbox --sweep`)
sends again every durable task not done `TASK_RESEND_AFTER_SECONDS` after its last send, once the
broker's queue has drained (or after `TASK_RESEND_MAX_WAIT_SECONDS` regardless).  Tasks are
idempotent (see the task docstrings), so a task sent twice does no harm.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import Task, current_app
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from common.models import PendingTask

logger = logging.getLogger(__name__)
KEEP_SENT = timedelta(days=7)


def _durable(name: str) -> bool:
    return name in set(getattr(settings, "TASK_INTENTS", ()))


def _publish(name: str, kwargs: dict[str, Any], task_id: str | None = None) -> None:
    # Fire and forget: nobody waits for the result, so the result backend is not involved
    # (with it down, a Redis result backend would retry for a long time before failing).
    current_app.send_task(
        name,
        kwargs=kwargs,
        task_id=task_id,
        ignore_result=True,
        retry=True,
        retry_policy=current_app.conf.task_publish_retry_policy,
    )


def enqueue(task: Task, /, **kwargs: Any) -> bool:
    """Send `task(**kwargs)`; True when the broker took it, False when it waits in the outbox."""
    if current_app.conf.task_always_eager:
        task.apply_async(kwargs=kwargs)
        return True
    if _durable(task.name):
        row = PendingTask.objects.create(task_name=task.name, kwargs=kwargs, task_id=uuid.uuid4(), durable=True)
        return _send_row(row.pk)
    try:
        task.apply_async(
            kwargs=kwargs,
            ignore_result=True,
            retry=True,
            retry_policy=current_app.conf.task_publish_retry_policy,
        )
    except Exception as exc:  # the broker (or result backend) is unreachable: keep the task
        PendingTask.objects.create(task_name=task.name, kwargs=kwargs, error=f"{type(exc).__name__}: {exc}"[:2000])
        logger.warning("broker unavailable, %s kept in the task outbox to be sent later: %s", task.name, exc)
        return False
    if PendingTask.objects.filter(sent_at__isnull=True).exists():
        pending_tasks_flush(limit=100)
    return True


def enqueue_on_commit(task: Task, /, **kwargs: Any) -> None:
    """Send `task(**kwargs)` after the current transaction commits; a durable task's intent is written
    now, in the transaction, so it exists exactly when the work it follows does."""
    if current_app.conf.task_always_eager or not _durable(task.name):
        transaction.on_commit(lambda: enqueue(task, **kwargs))
        return
    row = PendingTask.objects.create(task_name=task.name, kwargs=kwargs, task_id=uuid.uuid4(), durable=True)
    transaction.on_commit(lambda: _send_row(row.pk))


def _send_row(pk: int) -> bool:
    """Send one outbox row (its task id reused); True when the broker took it."""
    row = PendingTask.objects.get(pk=pk)
    try:
        _publish(row.task_name, row.kwargs, str(row.task_id) if row.task_id else None)
    except Exception as exc:  # counted as an attempt by the flush that finally sends it, as for the outbox
        PendingTask.objects.filter(pk=pk).update(error=f"{type(exc).__name__}: {exc}"[:2000])
        logger.warning("broker unavailable, %s kept in the task outbox to be sent later: %s", row.task_name, exc)
        return False
    PendingTask.objects.filter(pk=pk).update(attempts=F("attempts") + 1, sent_at=timezone.now())
    return True


def task_done(task_id: str | None) -> None:
    """A worker finished the task with this id: its durable intent is done (`task_success` receiver)."""
    if not task_id:
        return
    try:
        key = uuid.UUID(str(task_id))
    except ValueError:
        return
    PendingTask.objects.filter(task_id=key, done_at__isnull=True).update(done_at=timezone.now())


def pending_tasks_flush(*, limit: int = 1000) -> int:
    """Send waiting tasks, oldest first; stop at the first failure.  Returns how many were sent."""
    sent = 0
    with transaction.atomic():
        waiting = PendingTask.objects.filter(sent_at__isnull=True).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            waiting = waiting.select_for_update(skip_locked=True)
        for row in waiting[:limit]:
            row.attempts += 1
            try:
                _publish(row.task_name, row.kwargs, str(row.task_id) if row.task_id else None)
            except Exception as exc:
                row.error = f"{type(exc).__name__}: {exc}"[:2000]
                row.save(update_fields=["attempts", "error"])
                logger.warning("broker still unavailable; %s stays in the task outbox: %s", row.task_name, exc)
                break
            row.sent_at = timezone.now()
            row.save(update_fields=["attempts", "sent_at"])
            sent += 1
        old = timezone.now() - KEEP_SENT
        PendingTask.objects.filter(durable=False, sent_at__lt=old).delete()
        PendingTask.objects.filter(durable=True, done_at__lt=old).delete()
    if sent:
        logger.info("sent %s task(s) from the outbox", sent)
    return sent


def broker_queue_length() -> int | None:
    """Messages waiting in the default queue (None when the broker cannot say)."""
    try:
        with current_app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            channel: Any = conn.default_channel
            declared = channel.queue_declare(queue=current_app.conf.task_default_queue, passive=True)
            return int(declared.message_count)
    except Exception as exc:  # a queue never declared, or a broker that cannot tell
        logger.info("broker queue length unknown: %s", exc)
        return None


@dataclass
class SweepReport:
    flushed: int  # unsent tasks sent
    resent: int  # durable tasks sent again (the broker lost them, or they are still running)
    not_done: int  # durable tasks still not done after the sweep
    queue_length: int | None


def pending_tasks_sweep(*, resend_after: timedelta | None = None, limit: int = 1000) -> SweepReport:
    """Send the outbox, then send again durable tasks not done `resend_after` after their last send.

    A re-send happens once the broker's queue is empty (nothing waits, so a task not done is lost or
    still running), or regardless after TASK_RESEND_MAX_WAIT_SECONDS.  Idempotent tasks make a
    re-send of a task that is in fact still running harmless."""
    flushed = pending_tasks_flush(limit=limit)
    if resend_after is None:
        resend_after = timedelta(seconds=settings.TASK_RESEND_AFTER_SECONDS)
    now = timezone.now()
    queue_length = broker_queue_length()
    cutoff = now - resend_after
    if queue_length not in (0, None):
        cutoff = min(cutoff, now - timedelta(seconds=settings.TASK_RESEND_MAX_WAIT_SECONDS))
    stale = list(
        PendingTask.objects.filter(durable=True, done_at__isnull=True, sent_at__lte=cutoff)
        .order_by("sent_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    resent = 0
    for pk in stale:
        if not _send_row(pk):
            break
        resent += 1
    if resent:
        logger.warning("sent %s durable task(s) again: not done %s after they were sent", resent, resend_after)
    not_done = PendingTask.objects.filter(durable=True, done_at__isnull=True).count()
    return SweepReport(flushed=flushed, resent=resent, not_done=not_done, queue_length=queue_length)
