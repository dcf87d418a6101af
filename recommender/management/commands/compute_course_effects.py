from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from recommender.services import course_effects_recompute


class Command(BaseCommand):
    help = (
        "Recompute measured course effectiveness from completions and later evidence (exam, manager, later "
        "self-assessment), shrunk toward each course's claim, and store it (docs/effectiveness.md)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = course_effects_recompute()
        shown = sum(1 for e in result.effects if e.n >= settings.EFFECT_MIN_LEARNERS)
        self.stdout.write(
            f"{len(result.effects)} (course, item) estimates stored, {shown} with at least "
            f"{settings.EFFECT_MIN_LEARNERS} learners; credibility constant k={result.k:.2f} "
            f"({'fitted' if result.fitted else 'default'})."
        )
