from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from learners.services import out_of_window_dates_repair


class Command(BaseCommand):
    help = (
        "Find stored dates outside their windows (events 2000-01-01 .. now + 5 minutes, due dates within 5 years; "
        "docs/operations.md) and fix them. Without --apply, only report (exit 1 when something needs fixing)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--apply", action="store_true", help="fix the rows (one transaction)")

    def handle(self, *args: Any, **options: Any) -> None:
        report = out_of_window_dates_repair(apply=options["apply"])
        summary = (
            f"{report.events} events, {report.enrollments} enrollments, {report.assessments} assessments, "
            f"{report.assignments} track due dates outside their windows ({len(report.learner_ids)} learners)"
        )
        if not report.total:
            self.stdout.write(self.style.SUCCESS("Every stored date is inside its window."))
            return
        if options["apply"]:
            self.stdout.write(self.style.SUCCESS(f"Repaired: {summary}; those learners recounted and re-planned."))
            return
        self.stdout.write(self.style.WARNING(f"Found: {summary}. Run with --apply to fix them."))
        raise SystemExit(1)
