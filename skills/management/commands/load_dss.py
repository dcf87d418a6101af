from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from skills.dss_fixture import FixtureError, read_fixture
from skills.services import standard_load


class Command(BaseCommand):
    help = (
        "Load the Digital Skill Standard from a fixture (default: fixtures/dss_skill_standard.json). "
        "Idempotent and all-or-nothing: a broken file changes nothing and the error names the record and field."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", help="fixture file (dxpathways.dss/1 JSON)")
        parser.add_argument(
            "--make-current",
            action="store_true",
            help="make this version the current one (default: only if no version is current)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"] or settings.DSS_FIXTURE_PATH)
        self.stdout.write(f"Reading {path} ...")
        try:
            fixture = read_fixture(path)
        except FixtureError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Valid: {len(fixture.persona_types)} persona types, {len(fixture.roles)} roles, "
            f"{len(fixture.skill_items)} skill items, {len(fixture.literacy_items)} literacy items, "
            f"{len(fixture.role_skill_requirements)} role x item grades."
        )
        try:
            report = standard_load(fixture=fixture, make_current=True if options["make_current"] else None)
        except FixtureError as exc:
            raise CommandError(str(exc)) from exc
        for line in report.lines():
            self.stdout.write("  " + line)
        state = "created" if report.version_created else "updated" if report.changed else "already up to date"
        current = " and made current" if report.made_current else ""
        self.stdout.write(
            self.style.SUCCESS(f"Standard {report.version}: {state}{current} ({report.changed} rows changed).")
        )
