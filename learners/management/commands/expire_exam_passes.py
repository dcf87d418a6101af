from typing import Any

from django.core.management.base import BaseCommand

from learners.exam_services import exam_evidence_expire


class Command(BaseCommand):
    help = (
        "Recompute exam evidence for holders of certifications that expire (AWS, Google Cloud, Microsoft; "
        "docs/exams.md). Idempotent; run daily."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        changed = exam_evidence_expire()
        self.stdout.write(self.style.SUCCESS(f"{changed} exam assessment(s) appended."))
