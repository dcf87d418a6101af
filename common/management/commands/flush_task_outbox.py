from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from common.models import PendingTask
from common.queue import pending_tasks_flush, pending_tasks_sweep


class Command(BaseCommand):
    help = (
        "Send the tasks that waited in the outbox while the broker was down (safe to run often). "
        "--sweep also sends again durable tasks (re-plans, credentials, national recounts) that are not done: "
        "run it periodically (celery beat does) and, after the broker lost its data, with --resend-after 0."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sweep", action="store_true", help="also re-send durable tasks not done")
        parser.add_argument(
            "--resend-after",
            type=int,
            default=None,
            help="seconds since the last send before a durable task is sent again (default TASK_RESEND_AFTER_SECONDS)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["sweep"]:
            sent = pending_tasks_flush()
            waiting = PendingTask.objects.filter(sent_at__isnull=True).count()
            self.stdout.write(f"{sent} task(s) sent, {waiting} still waiting.")
            return
        after = options["resend_after"]
        report = pending_tasks_sweep(resend_after=None if after is None else timedelta(seconds=after))
        waiting = PendingTask.objects.filter(sent_at__isnull=True).count()
        self.stdout.write(
            f"{report.flushed} task(s) sent, {report.resent} durable task(s) sent again, {waiting} still waiting, "
            f"{report.not_done} durable task(s) not done yet (broker queue: {report.queue_length})."
        )
