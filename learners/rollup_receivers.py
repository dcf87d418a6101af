"""Keep the organizations' dashboard rollups exact in the writing transaction (learners/services/rollups.py).

Whatever changes a member's contribution (a level, a consent flag, the target role, a membership, an erasure)
refreshes that learner's rollup facts: the services' bulk assessments through `levels_recorded`, row saves
and deletes (services, admin, shell, factories) through the model signals.  Connected in LearnersConfig.ready."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from learners.models import LearnerProfile, Membership, Organization, SkillAssessment
from learners.services.rollups import org_rollups_forget, org_rollups_refresh
from learners.signals import levels_recorded


@receiver(levels_recorded)
def _levels_recorded(sender: Any, assessments: list[SkillAssessment], **kw: Any) -> None:
    org_rollups_refresh(learner_ids={a.learner_id for a in assessments})


@receiver(post_save, sender=SkillAssessment)
@receiver(post_delete, sender=SkillAssessment)
def _assessment_changed(sender: Any, instance: SkillAssessment, raw: bool = False, **kw: Any) -> None:
    if not raw:
        org_rollups_refresh(learner_ids=[instance.learner_id])


@receiver(post_save, sender=LearnerProfile)
def _profile_saved(sender: Any, instance: LearnerProfile, raw: bool = False, **kw: Any) -> None:
    if not raw:
        org_rollups_refresh(learner_ids=[instance.pk])


@receiver(pre_delete, sender=LearnerProfile)
def _profile_deleting(sender: Any, instance: LearnerProfile, **kw: Any) -> None:
    org_rollups_refresh(learner_ids=[instance.pk], gone=[instance.pk])


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def _membership_changed(sender: Any, instance: Membership, raw: bool = False, **kw: Any) -> None:
    if raw:
        return
    learner_id = LearnerProfile.objects.filter(user_id=instance.user_id).values_list("pk", flat=True).first()
    if learner_id is not None:
        org_rollups_refresh(learner_ids=[learner_id])


@receiver(post_delete, sender=Organization)
def _organization_deleted(sender: Any, instance: Organization, **kw: Any) -> None:
    org_rollups_forget(organization_ids=[instance.pk])
