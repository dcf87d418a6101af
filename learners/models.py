"""Learners, their employers, skill assessments, enrollments and progress events.

A person's record belongs to them (LearnerProfile, assessments, enrollments);
employment is a Membership that can end, so moving employer loses nothing.
ProgressEvent is the append-only log that enrollments and course-completion
levels are derived from; its (submitted_by, idempotency_key) is unique.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from common.reference import (
    INDUSTRIES,
    INDUSTRY_CHOICES,
    ORGANIZATION_SIZE_BANDS,
    PREFECTURE_CHOICES,
    PREFECTURES,
)
from courses.models import Course
from skills.models import Role, SkillItem


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200)
    corporate_number = models.CharField(_("corporate number"), max_length=13, blank=True)
    industry = models.CharField(_("industry (JSIC division)"), max_length=1, choices=INDUSTRY_CHOICES)
    prefecture = models.CharField(_("prefecture"), max_length=2, choices=PREFECTURE_CHOICES)
    size_band = models.CharField(_("size band"), max_length=10, choices=[(b, b) for b in ORGANIZATION_SIZE_BANDS])
    # METI's DX認定 (Digital Governance Code) and DXセレクション; recorded by the organization (docs/exams.md).
    dx_certified_on = models.DateField(_("DX certification (DX認定) granted on"), null=True, blank=True)
    dx_certified_until = models.DateField(_("DX certification valid until"), null=True, blank=True)
    dx_selection_year = models.PositiveSmallIntegerField(_("DX Selection (DXセレクション) year"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.CheckConstraint(condition=Q(industry__in=list(INDUSTRIES)), name="learners_org_industry_jsic"),
            models.CheckConstraint(condition=Q(prefecture__in=list(PREFECTURES)), name="learners_org_prefecture"),
            models.CheckConstraint(
                condition=Q(size_band__in=list(ORGANIZATION_SIZE_BANDS)), name="learners_org_size_band"
            ),
            models.CheckConstraint(
                condition=Q(corporate_number="") | Q(corporate_number__regex=r"^[0-9]{13}$"),
                name="learners_org_corporate_number_13_digits",
            ),
            models.CheckConstraint(
                condition=Q(dx_certified_on__isnull=True)
                | Q(dx_certified_until__isnull=True)
                | Q(dx_certified_until__gt=F("dx_certified_on")),
                name="learners_org_dx_valid_after_granted",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Kind(models.TextChoices):
        EMPLOYEE = "employee", _("employee")
        ADMIN = "admin", _("organization admin")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.EMPLOYEE)
    joined_on = models.DateField(_("joined on"), auto_now_add=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        ordering = ["organization", "user"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"],
                condition=Q(left_on__isnull=True),
                name="learners_one_active_membership_per_org",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.organization_id} ({self.kind})"


class LearnerProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner")
    # The id other systems (LMSs, providers) use for this person; never the database key.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    prefecture = models.CharField(_("prefecture"), max_length=2, blank=True, choices=PREFECTURE_CHOICES)
    # Classroom courses in neighbouring prefectures too (the plan; docs/recommender.md).
    # db_default: bulk loaders that COPY profiles without these columns get False too.
    travel = models.BooleanField(_("I can travel to neighbouring prefectures"), default=False, db_default=False)
    abroad = models.BooleanField(_("I live outside Japan"), default=False, db_default=False)
    industry = models.CharField(_("industry"), max_length=1, blank=True, choices=INDUSTRY_CHOICES)
    target_role = models.ForeignKey(
        Role, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("target role")
    )
    weekly_hours = models.DecimalField(_("study hours per week"), max_digits=4, decimal_places=1, default=3)
    budget_jpy = models.PositiveIntegerField(_("budget (yen)"), default=0)
    free_only = models.BooleanField(_("free courses only"), default=False)
    preferred_formats = models.JSONField(_("preferred formats"), default=list, blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=2, default="ja")
    # What the employer may see (APPI: the learner decides).
    share_target_role = models.BooleanField(_("share my target role with my employer"), default=True)
    share_levels = models.BooleanField(_("share my current levels with my employer"), default=True)
    share_track_progress = models.BooleanField(_("share progress on assigned tracks with my employer"), default=True)
    onboarded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("learner profile")
        verbose_name_plural = _("learner profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(weekly_hours__gte=0, weekly_hours__lte=80), name="learners_weekly_hours_0_80"
            ),
            models.CheckConstraint(
                condition=Q(abroad=False) | Q(prefecture=""), name="learners_abroad_has_no_prefecture"
            ),
        ]

    def __str__(self) -> str:
        return f"learner {self.user_id}"


class AssessmentSource(models.TextChoices):
    SELF = "self", _("self-assessment")
    MANAGER = "manager", _("manager")
    COURSE = "course", _("course completion")
    EXAM = "exam", _("exam")


# Which source wins a tie between equal levels (documented in docs/learner-levels.md).
SOURCE_RANK: dict[str, int] = {
    AssessmentSource.EXAM: 4,
    AssessmentSource.COURSE: 3,
    AssessmentSource.MANAGER: 2,
    AssessmentSource.SELF: 1,
}


class SkillAssessment(models.Model):
    """One statement of a learner's level on an item; rows are never updated (history)."""

    # db_index=False: the index learners_assess_latest (learner, ...) serves lookups by learner (bench/pg_changes.py).
    learner = models.ForeignKey(LearnerProfile, on_delete=models.CASCADE, related_name="assessments", db_index=False)
    skill_item = models.ForeignKey(SkillItem, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(_("level"))
    source = models.CharField(_("source"), max_length=10, choices=AssessmentSource.choices)
    note = models.TextField(_("note"), blank=True)
    course = models.ForeignKey(Course, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assessed_at = models.DateTimeField(_("assessed at"))

    class Meta:
        ordering = ["learner", "skill_item", "-assessed_at", "-pk"]
        verbose_name = _("skill assessment")
        verbose_name_plural = _("skill assessments")
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=0, level__lte=4), name="learners_assessment_level_0_4"),
            models.CheckConstraint(
                condition=Q(source__in=AssessmentSource.values), name="learners_assessment_source_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["learner", "skill_item", "source", "-assessed_at"], name="learners_assess_latest")
        ]

    def __str__(self) -> str:
        return f"{self.learner_id}:{self.skill_item_id}={self.level} ({self.source})"


class EnrollmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("enrolled")
    IN_PROGRESS = "in_progress", _("in progress")
    COMPLETED = "completed", _("completed")
    DROPPED = "dropped", _("dropped")


class Enrollment(models.Model):
    # db_index=False: the unique (learner, course) index serves lookups by learner.
    learner = models.ForeignKey(LearnerProfile, on_delete=models.CASCADE, related_name="enrollments", db_index=False)
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrollments")
    status = models.CharField(
        _("status"), max_length=12, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ENROLLED
    )
    percent = models.PositiveSmallIntegerField(_("percent complete"), default=0)
    enrolled_at = models.DateTimeField(_("enrolled at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    dropped_at = models.DateTimeField(_("dropped at"), null=True, blank=True)
    last_event_at = models.DateTimeField(_("latest event"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["learner", "-enrolled_at"]
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [
            models.UniqueConstraint(fields=["learner", "course"], name="learners_one_enrollment_per_course"),
            models.CheckConstraint(condition=Q(percent__gte=0, percent__lte=100), name="learners_percent_0_100"),
            models.CheckConstraint(
                condition=Q(status__in=EnrollmentStatus.values), name="learners_enrollment_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=EnrollmentStatus.COMPLETED) | Q(completed_at__isnull=False, percent=100),
                name="learners_completed_has_time_and_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id}→{self.course_id} {self.status} {self.percent}%"


class EventKind(models.TextChoices):
    ENROLLED = "enrolled", _("enrolled")
    PROGRESS = "progress", _("progress")
    COMPLETED = "completed", _("completed")
    DROPPED = "dropped", _("dropped")


class ProgressEvent(models.Model):
    """A progress report from a provider or a company LMS, stored once per (submitter, key)."""

    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    # RESTRICT: an account that reported events about others stays; a learner who reported only about
    # themselves can be erased (their events go with their profile).
    # db_index=False on both: the unique (submitted_by, idempotency_key) and the (learner, course, occurred_at)
    # indexes serve lookups by either; two fewer indexes to maintain on the largest table (bench/pg_changes.py).
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, related_name="+", db_index=False
    )
    learner = models.ForeignKey(
        LearnerProfile, on_delete=models.CASCADE, related_name="progress_events", db_index=False
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="progress_events")
    kind = models.CharField(_("kind"), max_length=10, choices=EventKind.choices)
    percent = models.PositiveSmallIntegerField(_("percent"), null=True, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    source = models.CharField(_("source"), max_length=100, blank=True)
    payload_hash = models.CharField(max_length=64)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        verbose_name = _("progress event")
        verbose_name_plural = _("progress events")
        constraints = [
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"], name="learners_event_once_per_submitter_key"
            ),
            models.CheckConstraint(condition=Q(kind__in=EventKind.values), name="learners_event_kind_valid"),
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__gte=0, percent__lte=100),
                name="learners_event_percent_0_100",
            ),
        ]
        indexes = [models.Index(fields=["learner", "course", "occurred_at"], name="learners_event_by_enrollment")]

    def __str__(self) -> str:
        return f"{self.idempotency_key} {self.kind}"


class Track(models.Model):
    """A reskilling track an employer defines: ordered courses toward a target role."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tracks")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    target_role = models.ForeignKey(
        Role, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("target role")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization", "name"]
        verbose_name = _("track")
        verbose_name_plural = _("tracks")

    def __str__(self) -> str:
        return self.name


class TrackCourse(models.Model):
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="items")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    due_offset_days = models.PositiveSmallIntegerField(_("due after (days)"), default=30)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        ordering = ["track", "position"]
        verbose_name = _("track course")
        verbose_name_plural = _("track courses")
        constraints = [models.UniqueConstraint(fields=["track", "course"], name="learners_course_once_per_track")]

    def __str__(self) -> str:
        return f"{self.track_id}#{self.position}:{self.course_id}"


class TrackAssignment(models.Model):
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="assignments")
    learner = models.ForeignKey(LearnerProfile, on_delete=models.CASCADE, related_name="track_assignments")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_on = models.DateField(_("assigned on"))
    due_on = models.DateField(_("due on"))
    # The day the employer last sent this person a reminder about this track (at most one a day).
    reminded_on = models.DateField(_("last reminded on"), null=True, blank=True)

    class Meta:
        ordering = ["track", "learner"]
        verbose_name = _("track assignment")
        verbose_name_plural = _("track assignments")
        constraints = [
            models.UniqueConstraint(fields=["track", "learner"], name="learners_assign_once_per_track"),
            models.CheckConstraint(condition=Q(due_on__gte=models.F("assigned_on")), name="learners_due_after_assign"),
        ]

    def __str__(self) -> str:
        return f"{self.track_id}→{self.learner_id}"


class ExamPassSource(models.TextChoices):
    LEARNER = "learner", _("entered by the learner")
    EMPLOYER = "employer", _("imported by the employer")


class ExamPass(models.Model):
    """A passed exam (docs/exams.md): evidence of the items its map names, as assessments of source exam."""

    learner = models.ForeignKey(LearnerProfile, on_delete=models.CASCADE, related_name="exam_passes")
    exam = models.ForeignKey("skills.Exam", on_delete=models.PROTECT, related_name="passes")
    passed_on = models.DateField(_("passed on"))
    certificate_number = models.CharField(_("certificate number"), max_length=40, blank=True)
    source = models.CharField(_("entered by"), max_length=10, choices=ExamPassSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="exam_passes"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["learner", "-passed_on", "pk"]
        verbose_name = _("exam pass")
        verbose_name_plural = _("exam passes")
        constraints = [
            models.UniqueConstraint(fields=["learner", "exam", "passed_on"], name="learners_exam_pass_once"),
            models.CheckConstraint(
                condition=Q(source__in=ExamPassSource.values), name="learners_exam_pass_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id}:{self.exam_id}@{self.passed_on}"


# --- per-organization rollups for the employer's dashboard (docs/scaling.md, "Employer pages") -------------
# Maintained in the writing transaction by learners/rollups.py (model signals and levels_recorded); exactly a
# recount from the raw rows (`org_rollups_recount`).  Foreign keys without database constraints: the rows of
# a deleted organization, role or item are removed by the receivers, never by a cascade that would run
# before the counts are subtracted.


class OrgMemberFact(models.Model):
    """What one active member contributes to their organization's dashboard, within their consent: the
    target role if shared, whether they share levels, and their current levels (item id -> level > 0)."""

    organization = models.ForeignKey(Organization, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    learner = models.ForeignKey(LearnerProfile, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    role = models.ForeignKey(Role, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+")
    shares_levels = models.BooleanField(default=False)
    levels = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "learner"], name="learners_orgfact_once")]
        indexes = [models.Index(fields=["learner"], name="learners_orgfact_learner")]

    def __str__(self) -> str:
        return f"{self.learner_id}@{self.organization_id}"


class OrgRollup(models.Model):
    """Active members (with a learner profile) of an organization."""

    organization = models.OneToOneField(
        Organization, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", primary_key=True
    )
    members = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.members}"


class OrgRoleRollup(models.Model):
    """Per organization and (shared) target role: members, and those of them who share their levels."""

    organization = models.ForeignKey(Organization, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    role = models.ForeignKey(Role, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    members = models.IntegerField(default=0)
    sharing_levels = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "role"], name="learners_orgrole_once")]

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.role_id}: {self.members}"


class OrgItemRollup(models.Model):
    """Per organization, role and skill item, over members sharing role and levels: the sum of their current
    levels and how many have a level above 0 (the heatmap's average is level_sum / sharing_levels)."""

    organization = models.ForeignKey(Organization, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    role = models.ForeignKey(Role, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    skill_item = models.ForeignKey(SkillItem, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    level_sum = models.IntegerField(default=0)
    assessed = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "role", "skill_item"], name="learners_orgitem_once")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.role_id}/{self.skill_item_id}: {self.level_sum}"
