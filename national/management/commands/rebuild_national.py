import time
from typing import Any

from django.core.management.base import BaseCommand

from national.services import national_rebuild


class Command(BaseCommand):
    help = (
        "Recount everyone from scratch (first deployment, or after changing the counting rule). Takes a new "
        "attributes snapshot for every counted person; reconcile_national --repair keeps existing snapshots."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"  {done:,} / {total:,} people")

        people = national_rebuild(progress=progress if options["verbosity"] > 1 else None)
        self.stdout.write(
            self.style.SUCCESS(f"National rollup rebuilt: {people:,} people in {time.perf_counter() - started:.1f} s")
        )
