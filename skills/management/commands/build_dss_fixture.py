import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from skills.dss_build import build_fixture_file
from skills.dss_fixture import FixtureError, parse_fixture

DEFAULT_REFERENCE = settings.BASE_DIR.parent / "shared" / "dss" / "dss_reference.json"
DEFAULT_SUPPLEMENT = settings.BASE_DIR / "fixtures" / "source" / "dss_supplement.json"


class Command(BaseCommand):
    help = "Build fixtures/dss_skill_standard.json from ../shared/dss/dss_reference.json and the curated supplement."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reference", default=str(DEFAULT_REFERENCE))
        parser.add_argument("--supplement", default=str(DEFAULT_SUPPLEMENT))
        parser.add_argument("--out", default=str(settings.DSS_FIXTURE_PATH))
        parser.add_argument("--check", action="store_true", help="fail if the file on disk is out of date")

    def handle(self, *args: Any, **options: Any) -> None:
        text = build_fixture_file(Path(options["reference"]), Path(options["supplement"]))
        try:
            parse_fixture(json.loads(text), source="(built fixture)")
        except FixtureError as exc:
            raise CommandError(str(exc)) from exc
        out = Path(options["out"])
        if options["check"]:
            if not out.exists() or out.read_text(encoding="utf-8") != text:
                raise CommandError(f"{out} is out of date; run `python manage.py build_dss_fixture`.")
            self.stdout.write(self.style.SUCCESS(f"{out} is up to date."))
            return
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"Wrote {out} ({len(text.encode('utf-8')):,} bytes)."))
