import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from recommender.core.encoders import EncoderUnavailable
from recommender.engine import course_vectors_sync, dense_encoder, doc_vectors
from recommender.inputs import literacy_docs, skill_docs
from recommender.models import VectorKind
from recommender.vectors import SyncStats
from skills.models import LiteracySection, SkillItem
from skills.selectors import StandardNotLoaded, standard_version_get


class Command(BaseCommand):
    help = (
        "Compute and store the dense vectors of the skill items, literacy sections and published courses under "
        "the configured model (RECOMMENDER_MODEL). Only texts that changed, or a new model, are encoded."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            version = standard_version_get()
        except StandardNotLoaded as exc:
            raise CommandError(str(exc)) from exc
        try:
            encoder = dense_encoder()
            if encoder is None:
                raise CommandError("RECOMMENDER_DENSE is off: there is no dense model to embed with.")
            encoder.check()
        except EncoderUnavailable as exc:
            raise CommandError(str(exc)) from exc
        started = time.perf_counter()
        summary = []
        for kind, label, docs, model in (
            (VectorKind.SKILL_ITEM, "skill items", skill_docs(version=version), SkillItem),
            (VectorKind.LITERACY_SECTION, "literacy sections", literacy_docs(version=version), LiteracySection),
        ):
            stats = SyncStats()
            ids = dict(model.objects.filter(version=version).values_list("code", "pk"))
            doc_vectors(kind=kind, docs=docs, ids=ids, stats=stats)
            summary.append(f"{label} {stats.encoded} encoded, {stats.reused} unchanged")

        def progress(done: int, total: int) -> None:
            bar = "#" * (30 * done // max(total, 1))
            self.stderr.write(f"\r  courses [{bar:<30}] {done:,}/{total:,} encoded", ending="")
            if done == total:
                self.stderr.write("")

        stats = SyncStats()
        index = course_vectors_sync(progress=progress, stats=stats)
        summary.append(f"courses {stats.encoded} encoded, {stats.reused} unchanged")
        self.stdout.write(
            f"Model {encoder.name}: " + "; ".join(summary) + f". {len(index.ids):,} course vectors stored"
            f" ({time.perf_counter() - started:.1f} s; courses without an English side have none under an"
            " English-only model)."
        )
