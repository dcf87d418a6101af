from typing import Any

from django.core.management.base import CommandError, CommandParser

from interop.management.base import VersionCodeCommand
from interop.moodle import framework_csv
from interop.selectors import moodle_framework_for_role
from skills.selectors import StandardNotLoaded, standard_version_get


class Command(VersionCodeCommand):
    help = (
        "Print a role's requirements as a Moodle competency framework CSV (Site admin > Import competency framework)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--role", required=True, help="role code, e.g. DS_PRO")
        parser.add_argument("--version", dest="code", help="standard version code (default: the current one)")
        parser.add_argument("--lang", choices=["ja", "en"], default="ja", help="language of the names")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            version = standard_version_get(code=options["code"])
        except StandardNotLoaded as exc:
            raise CommandError(str(exc)) from exc
        role = version.roles.select_related("version").filter(code=options["role"]).first()
        if role is None:
            raise CommandError(f"--role: {options['role']!r} is not a role of {version.code}")
        self.stdout.write(framework_csv(moodle_framework_for_role(role=role, lang=options["lang"])), ending="")
