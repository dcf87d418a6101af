"""The national rollup: one row per counted person, aggregate cells, and the catalog state last seen.

`NationalCount` holds, for each counted learner, the completion that made them count and the
attributes they are counted under (a snapshot taken when that completion was counted).
`NationalCell` holds the number of counted people for every grouping of at most two
dimensions (the total, 6 single dimensions, 15 pairs), so a breakdown is one indexed read.
Both are derived data: `reconcile_national` recomputes them from enrollments, courses and tags.
Neither ever leaves the `national` app as rows: the API and pages show suppressed aggregates only.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from learners.models import LearnerProfile
from national.counting import GROUPINGS


class NationalCount(models.Model):
    """A counted person: their first qualifying completion and the attributes they count under."""

    learner = models.OneToOneField(LearnerProfile, on_delete=models.CASCADE, primary_key=True, related_name="+")
    # The enrollment and course of the first qualifying completion (plain ids: compared by reconcile).
    enrollment_id = models.BigIntegerField()
    course_id = models.BigIntegerField()
    completed_at = models.DateTimeField()
    fiscal_year = models.PositiveSmallIntegerField()
    prefecture = models.CharField(max_length=2, blank=True)
    industry = models.CharField(max_length=1, blank=True)
    persona_type = models.CharField(max_length=40)
    org_size = models.CharField(max_length=10, blank=True)
    # The employer's DX認定 on the completion day (docs/national-progress.md): certified | not_certified | "".
    dx_status = models.CharField(max_length=15, blank=True, default="")
    counted_at = models.DateTimeField()

    class Meta:
        verbose_name = _("counted person")
        verbose_name_plural = _("counted people")
        indexes = [models.Index(fields=["fiscal_year"], name="national_count_fy")]

    def __str__(self) -> str:
        return f"learner {self.learner_id} FY{self.fiscal_year}"


class NationalCell(models.Model):
    """People counted in one cell of one grouping; a rolled-up dimension holds 0 or '*'."""

    grouping = models.PositiveSmallIntegerField()  # bit mask over national.counting.DIMENSIONS
    fiscal_year = models.PositiveSmallIntegerField()  # 0: all fiscal years
    prefecture = models.CharField(max_length=2)  # '*': all; '': not given
    industry = models.CharField(max_length=1)
    persona_type = models.CharField(max_length=40)
    org_size = models.CharField(max_length=10)
    dx_status = models.CharField(max_length=15, default="*")
    people = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("rollup cell")
        verbose_name_plural = _("rollup cells")
        constraints = [
            models.UniqueConstraint(
                fields=["grouping", "fiscal_year", "prefecture", "industry", "persona_type", "org_size", "dx_status"],
                name="national_one_cell_per_key",
            ),
            models.CheckConstraint(condition=Q(grouping__in=list(GROUPINGS)), name="national_cell_grouping_valid"),
        ]

    def __str__(self) -> str:
        values = (self.fiscal_year, self.prefecture, self.industry, self.persona_type, self.org_size, self.dx_status)
        return f"g{self.grouping} " + " ".join(str(v) for v in values)


class NationalCourse(models.Model):
    """A course that qualified under the counting rule when the catalog was last synced.

    Only used to find what a catalog change affects (`national_catalog_sync`); counting itself
    always reads the current courses and tags."""

    course_id = models.BigIntegerField(primary_key=True)
    synced_at = models.DateTimeField()

    class Meta:
        verbose_name = _("qualifying course")
        verbose_name_plural = _("qualifying courses")

    def __str__(self) -> str:
        return f"course {self.course_id}"
