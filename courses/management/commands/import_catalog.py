import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.input_checks import InputError
from courses.services import catalog_import, providers_load_file
from skills.selectors import StandardNotLoaded, standard_version_get


class Command(BaseCommand):
    help = (
        "Import a catalog file (JSON or CSV, docs/catalog-format.md). Upserts by (provider, code); "
        "one bad row rejects the whole file unless --partial."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="catalog file (.json or .csv; UTF-8 or CP932)")
        parser.add_argument("--partial", action="store_true", help="store the valid rows and report the rest")
        parser.add_argument(
            "--providers", help="JSON list of provider details (name_ja, name_en, kind, website) to load first"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        try:
            standard_version_get()
        except StandardNotLoaded as exc:
            raise CommandError(str(exc)) from exc
        if options["providers"]:
            providers = Path(options["providers"])
            try:
                created, updated = providers_load_file(path=providers)
            except FileNotFoundError:
                raise CommandError(f"{providers}: no such file") from None
            except InputError as exc:
                raise CommandError(f"{providers}: {exc}") from None
            self.stdout.write(f"Providers: {created} created, {updated} updated.")
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        self.stdout.write(
            f"Importing {path} ({path.stat().st_size:,} bytes): courses without skill tags get inferred tags "
            "(the first run loads the language model) ..."
        )
        report = catalog_import(data=path.read_bytes(), filename=path.name, partial=options["partial"])
        run = report.run
        for issue in report.issues[:200]:
            self.stderr.write(f"  {path}: {issue}")
        if len(report.issues) > 200:
            self.stderr.write(f"  ... and {len(report.issues) - 200} more problems")
        summary = (
            f"{run.rows} rows: {run.created} created, {run.updated} updated, {run.unchanged} unchanged, "
            f"{run.rejected} rejected; catalog version {run.catalog_version}."
        )
        if not report.stored:
            raise CommandError(f"{path}: nothing was stored. {summary}")
        style = self.style.WARNING if run.rejected else self.style.SUCCESS
        self.stdout.write(style(summary))
        if run.rejected:
            sys.exit(2)
