from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from courses.case_programs import CaseFileError
from courses.case_services import case_programs_load

DEFAULT = Path(__file__).resolve().parents[3] / "fixtures" / "sample_case_programs.json"


class Command(BaseCommand):
    help = (
        "Import case-based programs (マナビDXクエスト style): catalog records with a 'case' object "
        "(cohort dates, application deadline, team size, mentors, the case's industry, size and region, "
        "hours per week). Default: the fictional sample programs. Any bad record: nothing changes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", help="JSON file (default: fixtures/sample_case_programs.json)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"]) if options["path"] else DEFAULT
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: cannot be read: {exc.strerror}") from exc
        try:
            report = case_programs_load(data=data, filename=str(path))
        except CaseFileError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"{report.programs} case programs: {report.created} new, {report.updated} changed.")
        )
