from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from interop.services import credentials_award
from learners.models import LearnerProfile


class Command(BaseCommand):
    help = (
        "Issue the credentials learners have earned but do not hold (e.g. after a track was assigned to someone "
        "who had already completed its courses). Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--learner", help="only this learner (public id)")

    def handle(self, *args: Any, **options: Any) -> None:
        learners = LearnerProfile.objects.order_by("pk")
        if options["learner"]:
            learners = learners.filter(public_id=options["learner"])
        issued = sum(len(credentials_award(learner_id=pk)) for pk in learners.values_list("pk", flat=True))
        self.stdout.write(f"{issued} credential(s) issued.")
