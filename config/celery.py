"""Celery application: configured from Django settings (CELERY_* names)."""

import logging
import os
from typing import Any

from celery import Celery
from celery.signals import worker_ready

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
