from typing import Any

from django.core.management.base import BaseCommand

from learners.services.rollups import org_rollups_rebuild


class Command(BaseCommand):
    help = (
        "Recompute every organization's dashboard rollups from the raw rows (after a bulk load that bypasses "
        "the ORM, or once after the migration that adds them; docs/scaling.md). Idempotent."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        members = org_rollups_rebuild()
        self.stdout.write(self.style.SUCCESS(f"{members} organization member(s) counted."))
