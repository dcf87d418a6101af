"""Sending Celery tasks without losing them when the broker is down.

`enqueue` tries the broker (with the short publish retry policy in settings); if it still
cannot send, it logs a warning and stores the task in the outbox (`PendingTask`).
`pending_tasks_flush` sends the outbox: a worker does it when it starts, and
`manage.py flush_task_outbox` does it on demand (or from a timer).  Tasks are idempotent
(see the task docstrings), so a task sent twice in a race does no harm.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import Task, current_app
from django.db import connection, transaction
from django.utils import timezone

from common.models import PendingTask

logger = logging.getLogger(__name__)
KEEP_SENT = timedelta(days=7)


def enqueue(task: Task, /, **kwargs: Any) -> bool:
    """Send `task(**kwargs)`; True when the broker took it, False when it waits in the outbox."""
    if current_app.conf.task_always_eager:
        task.apply_async(kwargs=kwargs)
        return True
    try:
        # Fire and forget: nobody waits for the result, so the result backend is not involved
        # (with it down, a Redis result backend would retry for a long time before failing).
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
                current_app.send_task(
                    row.task_name,
                    kwargs=row.kwargs,
                    ignore_result=True,
                    retry=True,
                    retry_policy=current_app.conf.task_publish_retry_policy,
                )
            except Exception as exc:
                row.error = f"{type(exc).__name__}: {exc}"[:2000]
                row.save(update_fields=["attempts", "error"])
                logger.warning("broker still unavailable; %s stays in the task outbox: %s", row.task_name, exc)
                break
            row.sent_at = timezone.now()
            row.save(update_fields=["attempts", "sent_at"])
            sent += 1
        PendingTask.objects.filter(sent_at__lt=timezone.now() - KEEP_SENT).delete()
    if sent:
        logger.info("sent %s task(s) from the outbox", sent)
    return sent
