"""The task outbox's periodic sweep (celery beat; docs/operations.md)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from common.queue import pending_tasks_sweep


@shared_task(acks_late=True, ignore_result=True)
def task_outbox_sweep_task() -> dict[str, Any]:
    """Send the outbox and re-send durable tasks the broker lost; idempotent."""
    report = pending_tasks_sweep()
    return {"flushed": report.flushed, "resent": report.resent, "not_done": report.not_done}
