"""The Digital Skill Standard (DSS) as versioned, bilingual data.

One StandardVersion owns every other row here; codes are unique within a
version, so a new edition of the standard is loaded beside the old one and
courses or assessments keep pointing at the items they were made against.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Grade(models.TextChoices):
    """Importance of a skill item for a role (DSS-P)."""

    A = "a", "a"
    B = "b", "b"
    C = "c", "c"
    D = "d", "d"
    Z = "z", "z"


GRADE_VALUES: tuple[str, ...] = tuple(Grade.values)
PROFICIENCY_MIN, PROFICIENCY_MAX = 0, 4


class BilingualNameMixin(models.Model):
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        code = getattr(self, "code", "")
        return f"{code} {self.name_ja}".strip()


class StandardVersion(models.Model):
    # Edition codes carry dots ("dss-1.2"), which a SlugField refuses.
    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        validators=[RegexValidator(r"^[-a-zA-Z0-9_.]+$", _("Letters, digits, '-', '_' and '.' only."))],
    )
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    source = models.TextField(_("source"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_current = models.BooleanField(_("current"), default=False)
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_on", "code"]
        verbose_name = _("standard version")
        verbose_name_plural = _("standard versions")
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=Q(is_current=True),
                name="skills_one_current_standard_version",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ProficiencyLevel(models.Model):
    """The learner scale 0-4 against which current and target levels are stated."""

    version = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="proficiency_levels")
    level = models.PositiveSmallIntegerField(_("level"))
    label_ja = models.CharField(_("label (Japanese)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200)

    class Meta:
        ordering = ["version", "level"]
        verbose_name = _("proficiency level")
        verbose_name_plural = _("proficiency levels")
        constraints = [
            models.UniqueConstraint(fields=["version", "level"], name="skills_unique_level_per_version"),
            models.CheckConstraint(
                condition=Q(level__gte=PROFICIENCY_MIN, level__lte=PROFICIENCY_MAX),
                name="skills_proficiency_level_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.label_ja}"


class ImportanceGrade(models.Model):
    """Grade a/b/c/d/z and the proficiency a learner needs to meet it."""

    version = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="importance_grades")
    code = models.CharField(_("grade"), max_length=1, choices=Grade.choices)
    label_ja = models.CharField(_("label (Japanese)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200)
    target_proficiency = models.PositiveSmallIntegerField(_("target proficiency"))

    class Meta:
        ordering = ["version", "code"]
        verbose_name = _("importance grade")
        verbose_name_plural = _("importance grades")
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="skills_unique_grade_per_version"),
            models.CheckConstraint(condition=Q(code__in=GRADE_VALUES), name="skills_importance_grade_code_valid"),
            models.CheckConstraint(
                condition=Q(target_proficiency__gte=PROFICIENCY_MIN, target_proficiency__lte=PROFICIENCY_MAX),
                name="skills_grade_target_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} → {self.target_proficiency}"


class PersonaType(BilingualNameMixin):
    version = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="persona_types")
    code = models.CharField(_("code"), max_length=20)
    summary_ja = models.TextField(_("summary (Japanese)"), blank=True)
    summary_en = models.TextField(_("summary (English)"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("persona type")
        verbose_name_plural = _("persona types")
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="skills_unique_persona_code"),
        ]


class Role(BilingualNameMixin):
    version = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="roles")
    persona_type = models.ForeignKey(PersonaType, on_delete=models.PROTECT, related_name="roles")
    code = models.CharField(_("code"), max_length=30)
    summary_ja = models.TextField(_("summary (Japanese)"), blank=True)
    summary_en = models.TextField(_("summary (English)"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="skills_unique_role_code"),
        ]


class SkillCategory(BilingualNameMixin):
    version = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="skill_categories")
    code = models.CharField(_("code"), max_length=20)
    name_verified = models.BooleanField(
        _("name verified"), default=False, help_text=_("Whether the name was checked against the official text.")
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("skill category")
        verbose_name_plural = _("skill categories")
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="skills_unique_category_code"),
        ]


class SkillSubcategory(BilingualNameMixin):
    version = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="skill_subcategories")
    category = models.ForeignKey(SkillCategory, on_delete=models.PROTECT, related_name="subcategories")
    code = models.CharField(_("code"), max_length=20)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("skill subcategory")
        verbose_name_plural = _("skill subcategories")
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="skills_unique_subcategory_code"),
        ]


class SkillItem(BilingualNameMixin):
    """One of the 49 items of the DSS-P common skill list."""

    version = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="skill_items")
    subcategory = models.ForeignKey(SkillSubcategory, on_delete=models.PROTECT, related_name="items")
    code = models.CharField(_("code"), max_length=20)
    definition_ja = models.TextField(_("definition (Japanese)"), blank=True)
    definition_en = models.TextField(_("definition (English)"), blank=True)
    topics_ja = models.JSONField(_("topics (Japanese)"), default=list, blank=True)
    topics_en = models.JSONField(_("topics (English)"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("skill item")
        verbose_name_plural = _("skill items")
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="skills_unique_skill_item_code"),
        ]


class LiteracySection(BilingualNameMixin):
    """WHY / WHAT / HOW / MIND of the DX Literacy Standard (DSS-L)."""

    version = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="literacy_sections")
    code = models.CharField(_("code"), max_length=20)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("literacy section")
        verbose_name_plural = _("literacy sections")
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="skills_unique_literacy_section_code"),
        ]


class LiteracyItem(BilingualNameMixin):
    version = models.ForeignKey(StandardVersion, on_delete=models.CASCADE, related_name="literacy_items")
    section = models.ForeignKey(LiteracySection, on_delete=models.PROTECT, related_name="items")
    code = models.CharField(_("code"), max_length=20)
    group_ja = models.CharField(_("group (Japanese)"), max_length=200, blank=True)
    group_en = models.CharField(_("group (English)"), max_length=200, blank=True)
    topics_ja = models.JSONField(_("topics (Japanese)"), default=list, blank=True)
    topics_en = models.JSONField(_("topics (English)"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("literacy item")
        verbose_name_plural = _("literacy items")
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="skills_unique_literacy_item_code"),
        ]


class RoleSkillRequirement(models.Model):
    """How important a skill item is for a role (grade a-d, or z for none)."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="requirements")
    skill_item = models.ForeignKey(SkillItem, on_delete=models.CASCADE, related_name="requirements")
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices)
    is_estimated = models.BooleanField(
        _("estimated"),
        default=True,
        help_text=_("Estimated by this project; cleared when the official matrix is loaded."),
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["role__position", "skill_item__position"]
        verbose_name = _("role skill requirement")
        verbose_name_plural = _("role skill requirements")
        constraints = [
            models.UniqueConstraint(fields=["role", "skill_item"], name="skills_one_requirement_per_role_item"),
            models.CheckConstraint(condition=Q(grade__in=GRADE_VALUES), name="skills_requirement_grade_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.role_id}×{self.skill_item_id}={self.grade}"


class Exam(models.Model):
    """An examination or certification whose pass is evidence of skill (docs/exams.md).

    IPA's national exams carry their official ITSS level; for private certifications the level is
    this project's estimate (`level_is_estimated`)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    issuer = models.CharField(_("issuer"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"))
    level_is_estimated = models.BooleanField(_("level estimated"), default=True)
    first_held_on = models.DateField(_("first held on"))
    # None: a pass never expires (the issuer sets no validity period).
    valid_years = models.PositiveSmallIntegerField(_("valid for (years)"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("exam")
        verbose_name_plural = _("exams")
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=4), name="skills_exam_level_1_4"),
            models.CheckConstraint(condition=~Q(code=""), name="skills_exam_code_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_ja}"


class ExamSkill(models.Model):
    """What passing an exam shows: a DSS-P item and level (estimated unless an operator loads an official map)."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="skill_map")
    skill_item = models.ForeignKey(SkillItem, on_delete=models.CASCADE, related_name="exam_map")
    level = models.PositiveSmallIntegerField(_("level shown"))
    is_estimated = models.BooleanField(_("estimated"), default=True)
    rationale = models.CharField(_("rationale"), max_length=500, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["exam__position", "skill_item__position"]
        verbose_name = _("exam skill mapping")
        verbose_name_plural = _("exam skill mappings")
        constraints = [
            models.UniqueConstraint(fields=["exam", "skill_item"], name="skills_one_map_per_exam_item"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=4), name="skills_exam_map_level_1_4"),
        ]

    def __str__(self) -> str:
        return f"{self.exam_id}→{self.skill_item_id}@{self.level}"
