import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from interop.management.base import VersionCodeCommand
from interop.selectors import case_package
from skills.selectors import StandardNotLoaded, standard_version_get


class Command(VersionCodeCommand):
    help = "Print a standard version as a 1EdTech CASE 1.1 package (CFPackage JSON); default: the current one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--version", dest="code", help="standard version code")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            version = standard_version_get(code=options["code"])
        except StandardNotLoaded as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(case_package(version=version), ensure_ascii=False, indent=2))
