"""Writes for learners, by subdomain; `from learners.services import X` works for every public name.

- ingest: progress events (idempotent, order-independent) folded into enrollments and completion levels
- assessments: skill assessments (history kept)
- profiles: the learner's own profile
- tracks: employers' tracks and assignments
- erasure: the right to erasure (APPI) and when a learner may delete their account
- repair: dates stored outside their windows (docs/operations.md)
"""

from learners.services.assessments import skill_assessments_record
from learners.services.erasure import (
    ErasureReport,
    Refusal,
    account_deletion_refusal,
    learner_account_delete,
    learner_erase,
)
from learners.services.ingest import (
    FUTURE_TOLERANCE,
    MAX_BATCH,
    EventIn,
    EventOutcome,
    SubmitterScope,
    _fold,
    _payload_hash,
    learner_progress_record,
    progress_events_ingest,
)
from learners.services.profiles import learner_profile_get_or_create, learner_profile_update
from learners.services.repair import DateRepairReport, out_of_window_dates_repair
from learners.services.tracks import (
    RemindReport,
    TrackError,
    track_assign,
    track_create,
    track_create_and_assign,
    track_remind,
)

__all__ = [
    "FUTURE_TOLERANCE",
    "MAX_BATCH",
    "DateRepairReport",
    "ErasureReport",
    "EventIn",
    "EventOutcome",
    "Refusal",
    "RemindReport",
    "SubmitterScope",
    "TrackError",
    "_fold",
    "_payload_hash",
    "account_deletion_refusal",
    "learner_account_delete",
    "learner_erase",
    "learner_profile_get_or_create",
    "learner_profile_update",
    "learner_progress_record",
    "out_of_window_dates_repair",
    "progress_events_ingest",
    "skill_assessments_record",
    "track_assign",
    "track_create",
    "track_create_and_assign",
    "track_remind",
]
