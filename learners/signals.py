"""Signals other apps subscribe to."""

from django.dispatch import Signal

# Sent by `learners.services.learner_account_delete` BEFORE anything of the learner is deleted,
# inside the erasure's transaction: sender=LearnerProfile, learner=<LearnerProfile>.
# Receivers update what they derived from the learner (e.g. national rollups) while the
# learner's enrollments, events and assessments can still be read.  A receiver that raises
# aborts the whole erasure (nothing is deleted).
learner_erasing = Signal()

# Sent inside the transaction that recorded them, so that subscribers write in the same transaction
# (e.g. the xAPI outbox) and enqueue their work with `transaction.on_commit`:
# courses_completed: sender=Enrollment, completions=[(learner_id, course_id, completed_at), ...]
# levels_recorded:   sender=SkillAssessment, assessments=[<SkillAssessment with pk>, ...]
courses_completed = Signal()
levels_recorded = Signal()
