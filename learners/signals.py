"""Signals other apps subscribe to."""

from django.dispatch import Signal

# Sent by `learners.services.learner_account_delete` BEFORE anything of the learner is deleted,
# inside the erasure's transaction: sender=LearnerProfile, learner=<LearnerProfile>.
# Receivers update what they derived from the learner (e.g. national rollups) while the
# learner's enrollments, events and assessments can still be read.  A receiver that raises
# aborts the whole erasure (nothing is deleted).
learner_erasing = Signal()
