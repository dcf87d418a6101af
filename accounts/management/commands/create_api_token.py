from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.services import api_token_issue


class Command(BaseCommand):
    help = "Issue an API token for a user; the key is printed once and only its hash is stored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="api", help="what the token is for")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user named {options['username']!r}")
        token, key = api_token_issue(user=user, name=options["name"])
        self.stdout.write(f"Token {token.name!r} for {user.username}: {key}")
        self.stdout.write("Send it as 'Authorization: Bearer <key>'. It is not shown again.")
