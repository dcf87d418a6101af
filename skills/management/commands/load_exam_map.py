from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from skills.exam_map import DEFAULT_MAP_FILE, EXAMS_FILE, MatrixError, decode, parse_exam_map, read_exams
from skills.exam_services import exam_map_load, exams_load
from skills.selectors import StandardNotLoaded, standard_version_get


class Command(BaseCommand):
    help = (
        "Load the exams (fixtures/exams.json) and replace the exam -> DSS-P item map from a CSV with columns "
        "exam_code, skill_code, level and optional rationale, estimated (yes/no, default yes). "
        "Without a file, the project's estimated map (fixtures/exam_skill_map.csv). Any bad row: nothing changes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", help="CSV file (UTF-8 or CP932)")
        parser.add_argument("--standard", dest="standard_version", help="standard version code (default: current)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"]) if options["path"] else DEFAULT_MAP_FILE
        source = str(path)
        try:
            version = standard_version_get(code=options["standard_version"])
        except StandardNotLoaded as exc:
            raise CommandError(str(exc)) from exc
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{source}: cannot be read: {exc.strerror}") from exc
        try:
            exams = read_exams(EXAMS_FILE)
            rows = parse_exam_map(decode(data, source), source=source)
            with transaction.atomic():  # the exams and the map together, or neither
                changed_exams = exams_load(records=exams)
                report = exam_map_load(version=version, rows=rows, source=source)
        except MatrixError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(exams)} exams ({changed_exams} new or changed); {report.rows} map rows for {version.code}: "
                f"{report.created} new, {report.changed} changed, {report.removed} removed; "
                f"{report.estimated} rows are estimated."
            )
        )
