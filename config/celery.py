"""Celery application: configured from Django settings (CELERY_* names)."""

import logging
import os
from typing import Any

from celery import Celery
from celery.signals import task_success, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("dxpathways")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
logger = logging.getLogger(__name__)


@worker_ready.connect
def _send_the_outbox(**kwargs: Any) -> None:
    """A worker that starts (e.g. after a broker outage) first sends the tasks that waited."""
    from common.queue import pending_tasks_flush

    try:
        pending_tasks_flush()
    except Exception:  # the worker must start even if the database is not there yet
        logger.exception("could not send the task outbox")


@task_success.connect
def _durable_task_done(sender: Any = None, **kwargs: Any) -> None:
    """A durable task (common/queue.py) succeeded: its intent is done and the sweep leaves it."""
    from common.queue import task_done

    request = getattr(sender, "request", None)
    if request is None or getattr(request, "is_eager", False):
        return
    try:
        task_done(getattr(request, "id", None))
    except Exception:  # never fail the task over its bookkeeping; the sweep re-sends, tasks are idempotent
        logger.exception("could not mark task %s done", getattr(request, "id", None))
