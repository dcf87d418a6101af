from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from learners.models import LearnerProfile
from learners.services import learner_account_delete, learner_profile_get_or_create


class Command(BaseCommand):
    help = "Erase a learner's account and data on their request (as DELETE /api/v1/me does; APPI)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--yes", action="store_true", help="do it (without it, only say what would go)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user {options['username']!r}")
        if user.is_staff or user.is_superuser:
            raise CommandError("staff accounts are not erased with this command; remove their staff rights first")
        learner = LearnerProfile.objects.filter(user=user).first()
        if not options["yes"]:
            self.stdout.write(
                f"Would erase {user.username!r}"
                + (" and their learner profile" if learner else " (no learner profile)")
                + "; run again with --yes."
            )
            return
        report = learner_account_delete(learner=learner or learner_profile_get_or_create(user=user))
        state = "deleted" if report.account_deleted else "anonymised and deactivated (it reported events about others)"
        self.stdout.write(f"Erased: {report.counts}; the account was {state}.")
