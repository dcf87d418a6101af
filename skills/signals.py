"""Signals of the standard app (higher apps subscribe; skills imports none of them)."""

from django.dispatch import Signal

# exam_map_changed: sender=ExamSkill, exam_ids=[...]  (sent inside the load's transaction)
exam_map_changed = Signal()
