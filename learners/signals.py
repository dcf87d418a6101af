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

# Sent inside the transaction that changed them, with `learner_ids`: learners whose completions changed
# (a new completion, an earlier time for one, or dates repaired).  The national count recounts them
# in the same transaction (national/signals.py), so a failed ingest counts nothing.
enrollments_changed = Signal()

# Sent inside the transaction that changed a plan's inputs outside a completion (exam evidence,
# repaired dates), with `learner_ids`.  The recommender re-plans them after the commit.
plans_outdated = Signal()

# Sent by `learners.selectors.learner_data_export` (sender=LearnerProfile, learner=<LearnerProfile>):
# each app that keeps data about the learner returns its own sections as {name: JSON-ready value}
# (learners.privacy lists them), just as it erases them on `learner_erasing`.
learner_exporting = Signal()

# Sent by the /me/ page (`learners.views.me`, sender=LearnerProfile, learner=<LearnerProfile>,
# enrollments=[<Enrollment>, ...]: the learner's enrollments the page already read, course and provider
# loaded, newest first, so that receivers do not query them again) so that the apps
# above learners add their own part of "My learning" without learners importing them: each receiver returns
# None or {"template": <template name>, "order": <int, lower first>, **its context}; the page includes the
# template with the section as `section` (e.g. the recommender's plan progress, recommender/receivers.py).
learner_page_sections = Signal()
