from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from common.input_checks import InputError, json_loads
from interop.management.base import VersionCodeCommand
from interop.services import case_package_import
from skills.dss_fixture import FixtureError


class Command(VersionCodeCommand):
    help = (
        "Import a 1EdTech CASE 1.1 package (CFPackage JSON) as a new standard version. All-or-nothing: "
        "a problem names the file and field path and nothing is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="CFPackage JSON file")
        parser.add_argument("--version", dest="code", required=True, help="code of the new standard version")
        parser.add_argument("--make-current", action="store_true", help="make the new version the current one")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        try:
            package = json_loads(path.read_bytes())  # depth, size, numbers, NUL, lone surrogates
        except FileNotFoundError:
            raise CommandError(f"{path}: does not exist") from None
        except (OSError, InputError) as exc:
            raise CommandError(f"{path}: not a readable JSON file: {exc}") from None
        try:
            report = case_package_import(
                package=package, version=options["code"], source=str(path), make_current=options["make_current"]
            )
        except FixtureError as exc:  # the package's field paths, or the standard's own rules
            raise CommandError(str(exc)) from exc
        for line in report.lines():
            self.stdout.write("  " + line)
        self.stdout.write(self.style.SUCCESS(f"Standard {report.version} imported from {path}."))
