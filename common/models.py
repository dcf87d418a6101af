"""The task outbox: tasks the broker could not take, kept until they are sent."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PendingTask(models.Model):
    """A task waiting to be sent, or (durable) a task whose work is not known to be done yet.

    Durable rows (settings.TASK_INTENTS) are written for every send and kept until a worker reports
    the task succeeded (`done_at`); the sweep sends again those the broker lost (common/queue.py)."""

    task_name = models.CharField(_("task"), max_length=200)
    kwargs = models.JSONField(_("arguments"), default=dict)
    error = models.TextField(_("last error"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # The Celery task id every (re)send uses, so that the worker's success marks this row done.
    task_id = models.UUIDField(_("task id"), null=True, blank=True, unique=True)
    durable = models.BooleanField(_("kept until done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("pending task")
        verbose_name_plural = _("pending tasks")
        indexes = [
            models.Index(fields=["sent_at", "id"], name="common_pendingtask_unsent"),
            models.Index(
                fields=["sent_at", "id"],
                name="common_pendingtask_not_done",
                condition=models.Q(durable=True, done_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        state = "done" if self.done_at else ("sent" if self.sent_at else "waiting")
        return f"{self.task_name} ({state})"
