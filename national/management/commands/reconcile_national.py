from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from national.services import ReconcileReport, national_reconcile

SHOWN = 20


class Command(BaseCommand):
    help = (
        "Recompute every counted person and every rollup cell from enrollments, courses and tags, and report "
        "any difference (exit status 1 if there is one). With --repair, fix the differences and check again "
        "(exit status 1 only if some remain)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repair", action="store_true", help="recount the learners that differ, then recheck")

    def handle(self, *args: Any, **options: Any) -> None:
        report = national_reconcile(repair=options["repair"])
        if report.before_repair is not None:
            self._describe(report.before_repair, "before repair")
            assert report.repaired is not None
            r = report.repaired
            self.stdout.write(
                f"repaired: {r.added} counted, {r.removed} no longer counted, {r.moved} moved to another completion"
            )
        self._describe(report, "after repair" if report.before_repair is not None else "")
        if not report.ok:
            raise CommandError("the national rollup differs from the raw records")

    def _describe(self, report: ReconcileReport, when: str) -> None:
        prefix = f"[{when}] " if when else ""
        self.stdout.write(
            f"{prefix}{report.people:,} counted people, {report.cells:,} non-empty cells recomputed: "
            f"{len(report.person_differences)} person differences, {len(report.cell_differences)} cell differences"
        )
        for course in report.pending_courses[:SHOWN]:
            self.stdout.write(f"  pending catalog change: {course}")
        for person in report.person_differences[:SHOWN]:
            self.stdout.write(f"  learner {person.learner_id}: {person.problem}")
        for cell in report.cell_differences[:SHOWN]:
            self.stdout.write(f"  cell {cell.key}: stored {cell.stored}, recomputed {cell.expected}")
        hidden = len(report.person_differences) + len(report.cell_differences) - 2 * SHOWN
        if hidden > 0:
            self.stdout.write(f"  ... and more ({hidden} not shown)")
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"{prefix}national rollup matches the raw records"))
