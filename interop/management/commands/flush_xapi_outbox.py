from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from interop.services import xapi_enabled, xapi_outbox_flush, xapi_outbox_summary


class Command(BaseCommand):
    help = "Send the xAPI statements waiting in the outbox to the configured LRS (XAPI_LRS_ENDPOINT)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="also those whose next attempt is not due yet")

    def handle(self, *args: Any, **options: Any) -> None:
        if not xapi_enabled():
            self.stdout.write("XAPI_LRS_ENDPOINT is not set: nothing is sent.")
            return
        counts = xapi_outbox_flush(include_not_due=options["all"])
        summary = xapi_outbox_summary()
        self.stdout.write(
            f"attempted: {counts or 'none'}; outbox now: {summary['pending']} pending, {summary['sent']} sent, "
            f"{summary['failed']} failed"
        )
