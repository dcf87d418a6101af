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
