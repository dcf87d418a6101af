"""Celery entry points: each takes ids and calls one idempotent service."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from interop.services import credentials_award, xapi_statement_send


@shared_task(bind=True, acks_late=True)
def xapi_statement_send_task(self: Any, *, statement_id: str) -> str:
    """Send one outbox statement; on a transient failure retry after the backoff the service chose.

    Run eagerly (no broker) there is no waiting: the statement stays pending and
    `flush_xapi_outbox` (or the next completion) sends it."""
    outcome = xapi_statement_send(statement_id=statement_id)
    if outcome.status in ("retry", "not_due") and outcome.retry_in is not None and not self.request.is_eager:
        raise self.retry(countdown=outcome.retry_in, max_retries=None)
    return outcome.status


@shared_task(acks_late=True)
def credentials_award_task(*, learner_ids: list[int]) -> int:
    """Issue the credentials these learners have earned; idempotent (one per learner and achievement)."""
    return sum(len(credentials_award(learner_id=learner_id)) for learner_id in learner_ids)
