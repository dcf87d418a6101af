"""A learner's own profile."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from learners.models import LearnerProfile


def learner_profile_get_or_create(*, user: User) -> LearnerProfile:
    profile, _ = LearnerProfile.objects.get_or_create(user=user)
    return profile


def learner_profile_update(*, profile: LearnerProfile, changes: dict[str, Any]) -> LearnerProfile:
    """Apply validated changes to one's own profile."""
    for name, value in changes.items():
        setattr(profile, name, value)
    if changes:
        profile.save(update_fields=list(changes))
    return profile
