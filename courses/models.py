"""Course catalog in the style of IPA's Manabi DX portal.

Courses from many providers, tagged with DSS-P skill items (CourseSkill) and
DSS-L literacy items or sections (CourseLiteracy).  `CatalogState.version`
goes up on every change so caches and stored plans can tell they are stale.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from skills.models import LiteracyItem, LiteracySection, SkillItem

LEVEL_MIN, LEVEL_MAX = 1, 4


class ProviderKind(models.TextChoices):
    COMPANY = "company", _("company")
    UNIVERSITY = "university", _("university")
    PUBLIC_BODY = "public_body", _("public body")
    NONPROFIT = "nonprofit", _("nonprofit")


class CourseFormat(models.TextChoices):
    E_LEARNING = "e-learning", _("e-learning")
    LIVE_ONLINE = "live-online", _("live online")
    CLASSROOM = "classroom", _("classroom")
    BLENDED = "blended", _("blended")


class CourseLanguage(models.TextChoices):
    JA = "ja", _("Japanese")
    EN = "en", _("English")


class CourseStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    WITHDRAWN = "withdrawn", _("withdrawn")


class TagSource(models.TextChoices):
    DECLARED = "declared", _("declared by the provider")
    INFERRED = "inferred", _("inferred from the text")
    REVIEWED = "reviewed", _("reviewed by staff")


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("pending review")
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("rejected")


class Provider(models.Model):
    name_ja = models.CharField(_("name (Japanese)"), max_length=200, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ProviderKind.choices, default=ProviderKind.COMPANY)
    corporate_number = models.CharField(
        _("corporate number"), max_length=13, blank=True, help_text=_("13-digit 法人番号, if any.")
    )
    website = models.URLField(_("website"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="providers",
        blank=True,
        verbose_name=_("accounts acting for this provider"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name_ja"]
        verbose_name = _("provider")
        verbose_name_plural = _("providers")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ProviderKind.values), name="courses_provider_kind_valid"),
            models.CheckConstraint(
                condition=Q(corporate_number="") | Q(corporate_number__regex=r"^[0-9]{13}$"),
                name="courses_provider_corporate_number_13_digits",
            ),
        ]

    def __str__(self) -> str:
        return self.name_ja


class Course(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="courses")
    code = models.CharField(_("code"), max_length=60)
    title_ja = models.CharField(_("title (Japanese)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description_ja = models.TextField(_("description (Japanese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    learning_outcomes = models.JSONField(_("learning outcomes"), default=list, blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    language = models.CharField(
        _("language of instruction"), max_length=5, choices=CourseLanguage.choices, default=CourseLanguage.JA
    )
    level = models.PositiveSmallIntegerField(_("level"))
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    price_jpy = models.PositiveIntegerField(_("price (yen)"))
    format = models.CharField(_("format"), max_length=20, choices=CourseFormat.choices)
    on_demand = models.BooleanField(_("on demand"), default=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    prefecture = models.CharField(_("prefecture code"), max_length=2, blank=True)
    reskill_certified = models.BooleanField(_("Reskilling course certified by METI"), default=False)
    training_benefit_eligible = models.BooleanField(_("eligible for education and training benefits"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=CourseStatus.choices, default=CourseStatus.PUBLISHED)
    needs_skill_inference = models.BooleanField(
        _("needs skill inference"), default=False, help_text=_("Imported without skill tags.")
    )
    prerequisites = models.ManyToManyField(
        "self", symmetrical=False, related_name="required_for", blank=True, verbose_name=_("prerequisites")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["provider__name_ja", "code"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.UniqueConstraint(fields=["provider", "code"], name="courses_unique_code_per_provider"),
            models.CheckConstraint(
                condition=Q(level__gte=LEVEL_MIN, level__lte=LEVEL_MAX), name="courses_course_level_1_4"
            ),
            models.CheckConstraint(condition=Q(hours__gt=0), name="courses_course_hours_positive"),
            models.CheckConstraint(condition=Q(price_jpy__gte=0), name="courses_course_price_not_negative"),
            models.CheckConstraint(condition=Q(format__in=CourseFormat.values), name="courses_course_format_valid"),
            models.CheckConstraint(condition=Q(status__in=CourseStatus.values), name="courses_course_status_valid"),
            models.CheckConstraint(
                condition=Q(language__in=CourseLanguage.values), name="courses_course_language_valid"
            ),
            models.CheckConstraint(
                condition=~Q(format=CourseFormat.CLASSROOM) | ~Q(prefecture=""),
                name="courses_classroom_course_has_prefecture",
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True) | Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="courses_course_ends_after_start",
            ),
            models.CheckConstraint(condition=~Q(title_ja="") | ~Q(title_en=""), name="courses_course_has_a_title"),
        ]
        indexes = [
            models.Index(fields=["status", "level"], name="courses_status_level"),
            models.Index(fields=["status", "price_jpy"], name="courses_status_price"),
            models.Index(fields=["status", "format"], name="courses_status_format"),
            # The search index's state (count and last change of the published courses) by an index-only scan.
            models.Index(fields=["status", "updated_at"], name="courses_status_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title_ja or self.title_en}"

    @property
    def is_free(self) -> bool:
        return self.price_jpy == 0


class CourseSkill(models.Model):
    """A DSS-P skill item a course teaches, and to which level."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="skill_tags")
    skill_item = models.ForeignKey(SkillItem, on_delete=models.PROTECT, related_name="course_tags")
    level = models.PositiveSmallIntegerField(_("level taught"))
    source = models.CharField(_("source"), max_length=10, choices=TagSource.choices, default=TagSource.DECLARED)
    confidence = models.FloatField(_("confidence"), default=1.0)
    review_status = models.CharField(
        _("review status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.ACCEPTED
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # An inferred tag's supporting sentences, quoted from the course text (empty for declared tags).
    evidence = models.JSONField(_("evidence"), default=list, blank=True)

    class Meta:
        ordering = ["course", "position", "skill_item__position"]
        verbose_name = _("course skill tag")
        verbose_name_plural = _("course skill tags")
        constraints = [
            models.UniqueConstraint(fields=["course", "skill_item"], name="courses_one_tag_per_course_item"),
            models.CheckConstraint(
                condition=Q(level__gte=LEVEL_MIN, level__lte=LEVEL_MAX), name="courses_tag_level_1_4"
            ),
            models.CheckConstraint(condition=Q(confidence__gte=0, confidence__lte=1), name="courses_tag_confidence"),
            models.CheckConstraint(condition=Q(source__in=TagSource.values), name="courses_tag_source_valid"),
            models.CheckConstraint(
                condition=Q(review_status__in=ReviewStatus.values), name="courses_tag_review_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["skill_item", "review_status"], name="courses_tag_item_status")]

    def __str__(self) -> str:
        return f"{self.course_id}:{self.skill_item_id}@{self.level}"


class CourseLiteracy(models.Model):
    """A DSS-L literacy item, or a whole section, that a course covers."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="literacy_tags")
    literacy_item = models.ForeignKey(
        LiteracyItem, on_delete=models.PROTECT, null=True, blank=True, related_name="course_tags"
    )
    literacy_section = models.ForeignKey(
        LiteracySection, on_delete=models.PROTECT, null=True, blank=True, related_name="course_tags"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["course", "position"]
        verbose_name = _("course literacy tag")
        verbose_name_plural = _("course literacy tags")
        constraints = [
            models.CheckConstraint(
                condition=(Q(literacy_item__isnull=False) & Q(literacy_section__isnull=True))
                | (Q(literacy_item__isnull=True) & Q(literacy_section__isnull=False)),
                name="courses_literacy_item_xor_section",
            ),
            models.UniqueConstraint(
                fields=["course", "literacy_item"],
                condition=Q(literacy_item__isnull=False),
                name="courses_one_literacy_item_per_course",
            ),
            models.UniqueConstraint(
                fields=["course", "literacy_section"],
                condition=Q(literacy_section__isnull=False),
                name="courses_one_literacy_section_per_course",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course_id}:{self.literacy_item_id or self.literacy_section_id}"

    @property
    def code(self) -> str:
        target = self.literacy_item or self.literacy_section
        return target.code if target else ""


class CatalogState(models.Model):
    """One row: `version` increases on every catalog change (cache keys, stale plans)."""

    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("catalog state")

    def __str__(self) -> str:
        return f"catalog v{self.version}"


class ImportRun(models.Model):
    """One import of a catalog file, with its outcome and every rejected row."""

    class Outcome(models.TextChoices):
        STORED = "stored", _("stored")
        PARTIAL = "partial", _("stored with rejected rows")
        REJECTED = "rejected", _("rejected, nothing stored")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="catalog_imports"
    )
    filename = models.CharField(max_length=255, blank=True)
    file_format = models.CharField(max_length=4)
    partial = models.BooleanField(default=False)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    catalog_version = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("catalog import")
        verbose_name_plural = _("catalog imports")

    def __str__(self) -> str:
        return f"{self.filename or 'import'} ({self.outcome})"


class CatalogImportJob(models.Model):
    """An uploaded catalog file waiting for, or done with, its import (run by a Celery task).

    The file is kept in the row so that the task takes only the job's id; `stage` and the row counters
    are the progress the job page polls; `import_run` is the result (created/updated/rejected, problems)
    and `result` lists the courses created and updated.  Only the uploader and staff see a job."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    class Stage(models.TextChoices):
        WAITING = "waiting", _("waiting for a worker")
        READING = "reading", _("reading and checking the rows")
        STORING = "storing", _("storing the courses")
        FINISHED = "finished", _("finished")

    uploader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="catalog_import_jobs")
    filename = models.CharField(max_length=255, blank=True)
    data = models.BinaryField()
    partial = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.WAITING)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    import_run = models.OneToOneField(ImportRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="job")
    result = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("catalog import job")
        verbose_name_plural = _("catalog import jobs")
        constraints = [
            models.CheckConstraint(condition=Q(rows_done__lte=F("rows_total")), name="courses_importjob_done_le_total"),
        ]

    def __str__(self) -> str:
        return f"{self.filename or 'upload'} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        """Progress in percent: reading is the first fifth, storing the rest; 100 only when finished."""
        if self.finished:
            return 100
        if self.stage == self.Stage.STORING:
            return 60
        if self.stage == self.Stage.READING:
            return 20
        return 5


class CourseKind(models.TextChoices):
    COURSE = "course", _("course")
    CASE_PROGRAM = "case_program", _("case-based program")


class CaseProgram(models.Model):
    """A project-based program in the style of マナビDXクエスト: teams work on a real company's case in a cohort.

    A course with this row is of kind `case_program` (docs/catalog-format.md, "Case-based programs")."""

    course = models.OneToOneField(Course, on_delete=models.CASCADE, primary_key=True, related_name="case_program")
    cohort_starts_on = models.DateField(_("cohort starts on"))
    cohort_ends_on = models.DateField(_("cohort ends on"))
    application_deadline = models.DateField(_("application deadline"))
    team_size_min = models.PositiveSmallIntegerField(_("team size (min)"))
    team_size_max = models.PositiveSmallIntegerField(_("team size (max)"))
    mentors = models.CharField(_("mentors"), max_length=300)
    case_industry = models.CharField(_("case: industry (JSIC division)"), max_length=1)
    case_company_size = models.CharField(_("case: company size"), max_length=10)
    case_region = models.CharField(_("case: region (prefecture code)"), max_length=2, blank=True)
    hours_per_week = models.DecimalField(_("hours per week"), max_digits=4, decimal_places=1)
    online = models.BooleanField(_("online"), default=True)

    class Meta:
        ordering = ["cohort_starts_on", "course"]
        verbose_name = _("case-based program")
        verbose_name_plural = _("case-based programs")
        constraints = [
            models.CheckConstraint(
                condition=Q(cohort_ends_on__gt=F("cohort_starts_on")), name="courses_case_cohort_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(application_deadline__lte=F("cohort_starts_on")), name="courses_case_apply_before_start"
            ),
            models.CheckConstraint(
                condition=Q(team_size_min__gte=1, team_size_max__gte=F("team_size_min")),
                name="courses_case_team_size_range",
            ),
            models.CheckConstraint(
                condition=Q(hours_per_week__gt=0, hours_per_week__lte=60), name="courses_case_hours_per_week"
            ),
            models.CheckConstraint(
                condition=Q(online=True) | ~Q(case_region=""), name="courses_case_onsite_has_region"
            ),
        ]

    def __str__(self) -> str:
        return f"case program {self.course_id} {self.cohort_starts_on}"


class CourseItemEffect(models.Model):
    """Measured effectiveness of a course on one item it teaches: what its completers showed afterwards
    (exam, manager, later self-assessment), shrunk toward the level the course claims (docs/effectiveness.md).

    Computed by the recommender (`course_effects_recompute`) and stored through `courses.services`; not part
    of the catalog (storing it never changes `CatalogState.version`)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="item_effects")
    skill_item = models.ForeignKey(SkillItem, on_delete=models.CASCADE, related_name="+")
    learners = models.PositiveIntegerField(_("learners"))
    weight = models.FloatField(_("evidence weight"))
    claimed_level = models.FloatField(_("claimed level"))
    mean_level = models.FloatField(_("mean later level"))
    shrunk_level = models.FloatField(_("measured level (shrunk toward the claim)"))
    credibility = models.FloatField(_("credibility"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["course", "skill_item"]
        verbose_name = _("measured course effect")
        verbose_name_plural = _("measured course effects")
        constraints = [
            models.UniqueConstraint(fields=["course", "skill_item"], name="courses_effect_one_per_item"),
            models.CheckConstraint(
                condition=Q(
                    claimed_level__gte=0,
                    claimed_level__lte=4,
                    mean_level__gte=0,
                    mean_level__lte=4,
                    shrunk_level__gte=0,
                    shrunk_level__lte=4,
                    credibility__gte=0,
                    credibility__lte=1,
                    learners__gte=1,
                ),
                name="courses_effect_ranges",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course_id}:{self.skill_item_id} n={self.learners} {self.shrunk_level:.2f}"

    @property
    def gain_over_claim(self) -> float:
        return self.shrunk_level - self.claimed_level
