from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.lockout import auth_failures_clear


class Command(BaseCommand):
    help = "Lift a log-in lock-out early: forget the failed attempts of a user name and/or a client address."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", help="the user name")
        parser.add_argument("--address", help="the client address (for passwords and API keys)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["user"]:
            auth_failures_clear(scope="user", value=options["user"])
        if options["address"]:
            auth_failures_clear(scope="ip", value=options["address"])
            auth_failures_clear(scope="token", value=options["address"])
        self.stdout.write("Done.")
