from typing import Any

from celery import Task, shared_task

from skills.selectors import standard_verify


@shared_task(bind=True, acks_late=True)
def standard_verify_task(self: Task, *, version_id: int) -> dict[str, Any]:
    """Check a stored standard version's integrity in a worker (read-only, safe to repeat)."""
    return {**standard_verify(version_id=version_id), "checked_by": self.request.hostname}
