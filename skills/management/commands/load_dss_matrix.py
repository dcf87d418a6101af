from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from skills.dss_matrix import MatrixError, decode, parse_matrix
from skills.selectors import StandardNotLoaded, standard_version_get
from skills.services import requirement_matrix_load


class Command(BaseCommand):
    help = (
        "Load official role x skill grades from a CSV with columns role_code, skill_code, grade. "
        "Clears the 'estimated' mark for every cell it sets. Any bad row: nothing changes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="CSV file (UTF-8 or CP932)")
        parser.add_argument("--standard", dest="standard_version", help="standard version code (default: current)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
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
            rows = parse_matrix(decode(data, source), source=source)
            self.stdout.write(f"Read {len(rows)} cells from {source}; applying to {version.code} ...")
            report = requirement_matrix_load(version=version, rows=rows, source=path.name)
        except MatrixError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.cells} cells set as official: {report.changed} changed, {report.unchanged} unchanged; "
                f"{report.still_estimated} cells of {version.code} are still estimated."
            )
        )
