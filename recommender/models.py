"""Stored plans: the latest plan per learner, with what it was computed from."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from learners.models import LearnerProfile


class LearnerPlan(models.Model):
    """One current plan per learner (upserted); `payload` is the plan's JSON (planning.plan_json)."""

    learner = models.OneToOneField(LearnerProfile, on_delete=models.CASCADE, related_name="plan")
    catalog_version = models.PositiveBigIntegerField(default=0)
    revision = models.PositiveIntegerField(default=1)  # +1 on every recompute: each re-plan is countable
    algorithm = models.CharField(max_length=40, default="greedy-v1")
    constraints = models.JSONField(default=dict)
    payload = models.JSONField(default=dict)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("learning plan")
        verbose_name_plural = _("learning plans")

    def __str__(self) -> str:
        return f"plan of learner {self.learner_id} (catalog v{self.catalog_version})"


class VectorKind(models.TextChoices):
    SKILL_ITEM = "skill_item", _("skill item")
    LITERACY_SECTION = "literacy_section", _("literacy section")
    COURSE = "course", _("course")


class EmbeddingVector(models.Model):
    """A dense vector of one object's text under one model: float32 bytes, with the hash of the text
    it was computed from (`recommender.vectors.vectors_sync` recomputes it only when that text or the
    model changes)."""

    kind = models.CharField(max_length=20, choices=VectorKind.choices)
    object_id = models.PositiveBigIntegerField()
    model_name = models.CharField(max_length=200)
    text_hash = models.CharField(max_length=64)
    dimension = models.PositiveSmallIntegerField()
    vector = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("embedding vector")
        verbose_name_plural = _("embedding vectors")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id", "model_name"], name="vector_one_per_object_and_model"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} ({self.model_name}, {self.dimension}d)"


class ReplanRunStatus(models.TextChoices):
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    SUPERSEDED = "superseded", _("superseded")


class ReplanRun(models.Model):
    """One batch re-planning after a catalog change: every learner whose stored plan is older than
    `catalog_version`, split into chunks (docs/replanning.md).  At most one run is running."""

    catalog_version = models.PositiveBigIntegerField()
    status = models.CharField(max_length=12, choices=ReplanRunStatus.choices, default=ReplanRunStatus.RUNNING)
    chunk_size = models.PositiveIntegerField()
    learners = models.PositiveIntegerField(default=0)  # stale plans when the run started
    chunks = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("re-planning run")
        verbose_name_plural = _("re-planning runs")
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="running"), name="replan_one_running_run"
            ),
        ]

    def __str__(self) -> str:
        return f"re-planning run {self.pk} (catalog v{self.catalog_version}, {self.status})"


class ReplanChunkStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    DONE = "done", _("done")


class ReplanChunk(models.Model):
    """A keyset range of learner ids of a run; done once every stale plan in it is at the target."""

    run = models.ForeignKey(ReplanRun, on_delete=models.CASCADE, related_name="chunk_set")
    first_learner_id = models.PositiveBigIntegerField()
    last_learner_id = models.PositiveBigIntegerField()
    learners = models.PositiveIntegerField()  # stale plans in the range when the run started
    status = models.CharField(max_length=8, choices=ReplanChunkStatus.choices, default=ReplanChunkStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    planned = models.PositiveIntegerField(default=0)  # plans this chunk recomputed (over all attempts)
    worker = models.CharField(max_length=200, blank=True)  # hostname of the last worker that took it
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("re-planning chunk")
        verbose_name_plural = _("re-planning chunks")
        constraints = [
            models.UniqueConstraint(fields=["run", "first_learner_id"], name="replan_chunk_unique_start"),
            models.CheckConstraint(
                condition=models.Q(first_learner_id__lte=models.F("last_learner_id")), name="replan_chunk_range"
            ),
        ]

    def __str__(self) -> str:
        return f"chunk {self.first_learner_id}-{self.last_learner_id} of run {self.run_id} ({self.status})"


class TagCalibration(models.Model):
    """The calibrated tagging layer (`recommender.core.calibration.TagCalibrator`) and its embedding classifier
    (`recommender.core.classifier.EmbeddingClassifier`) fitted on one state of the labels: `key` is the SHA-256
    of the labelled tags (declared, accepted, rejected), the model, the standard and the feature version, so the
    same labels never train twice and a new review makes a new row."""

    key = models.CharField(max_length=64, unique=True)
    model_name = models.CharField(max_length=200)
    catalog_version = models.PositiveBigIntegerField(default=0)
    parameters = models.JSONField(default=dict)  # TagCalibrator.to_dict()
    # EmbeddingClassifier.to_dict() (per-item logistic regressions on the course vectors); {}: none
    classifier = models.JSONField(default=dict, blank=True)
    courses = models.PositiveIntegerField(default=0)  # labelled courses it was trained on
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tag calibration")
        verbose_name_plural = _("tag calibrations")

    def __str__(self) -> str:
        return f"tag calibration {self.key[:12]} ({self.courses} courses, {self.model_name})"
