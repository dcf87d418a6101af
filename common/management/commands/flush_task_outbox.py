from typing import Any

from django.core.management.base import BaseCommand

from common.models import PendingTask
from common.queue import pending_tasks_flush


class Command(BaseCommand):
    help = "Send the tasks that waited in the outbox while the broker was down (safe to run often)."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = pending_tasks_flush()
        waiting = PendingTask.objects.filter(sent_at__isnull=True).count()
        self.stdout.write(f"{sent} task(s) sent, {waiting} still waiting.")
