"""Stored plans: the latest plan per learner, with what it was computed from."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from learners.models import LearnerProfile


class LearnerPlan(models.Model):
    """One current plan per learner (upserted); `payload` is the plan's JSON (planning.plan_json)."""

    learner = models.OneToOneField(LearnerProfile, on_delete=models.CASCADE, related_name="plan")
    catalog_version = models.PositiveBigIntegerField(default=0)
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
