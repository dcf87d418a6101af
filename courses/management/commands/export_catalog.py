from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.models import AuditAction
from audit.services import audit_record
from courses.catalog_format import dump_csv, dump_json
from courses.models import Provider
from courses.selectors import catalog_export_rows


class Command(BaseCommand):
    help = "Export the published catalog in the import format (JSON or CSV); re-importing it reproduces it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")
        parser.add_argument("--provider", help="only this provider (Japanese or English name)")

    def handle(self, *args: Any, **options: Any) -> None:
        provider_ids = None
        if options["provider"]:
            name = options["provider"]
            provider = Provider.objects.filter(name_ja=name).first() or Provider.objects.filter(name_en=name).first()
            if provider is None:
                raise CommandError(f"no provider named {name!r}")
            provider_ids = {provider.pk}
        rows = catalog_export_rows(provider_ids=provider_ids)
        audit_record(
            action=AuditAction.EXPORT,
            event="catalog.export",
            actor=None,
            object_type="courses.course",
            detail={"format": options["format"], "rows": len(rows), "command": "export_catalog"},
        )
        text = dump_csv(rows) if options["format"] == "csv" else dump_json(rows)
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8", newline="")
            self.stderr.write(f"Wrote {len(rows)} courses to {options['output']}.")
        else:
            self.stdout.write(text, ending="")
