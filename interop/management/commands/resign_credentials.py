from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from interop.models import Credential
from interop.services import credential_resign


class Command(BaseCommand):
    help = (
        "Re-sign credentials issued before the eddsa-jcs-2022 fix (proof with its @context, as an array, with a "
        "revocation status entry and the achievement image). Idempotent: credentials already in that form are "
        "left alone. Copies learners downloaded before still verify at /api/v1/credentials/verify."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count what would be re-signed, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        resigned = unchanged = 0
        for credential in Credential.objects.order_by("pk").iterator():
            if options["dry_run"]:
                legacy = "credentialStatus" not in credential.document or not isinstance(
                    credential.document.get("proof"), list
                )
                resigned, unchanged = resigned + legacy, unchanged + (not legacy)
            elif credential_resign(credential=credential):
                resigned += 1
            else:
                unchanged += 1
        verb = "would be re-signed" if options["dry_run"] else "re-signed"
        self.stdout.write(f"{resigned} credential(s) {verb}, {unchanged} already current.")
