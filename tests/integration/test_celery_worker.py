"""A task travels through the real broker to a real worker process and back."""

import pytest
from django.conf import settings

from skills.tasks import standard_verify_task

pytestmark = [pytest.mark.broker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_standard_verify_runs_in_a_worker_process(standard, celery_worker_process):
    assert settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://", "amqp://"))
    result = standard_verify_task.apply_async(kwargs={"version_id": standard.pk}, queue=celery_worker_process.queue)
    report = result.get(timeout=60)
    assert report["checked_by"] == celery_worker_process.hostname
    assert report["ok"] is True
    assert report["counts"]["skill_items"] == 49
    assert report["counts"]["role_skill_requirements"] == 735
    assert "standard_verify_task" in celery_worker_process.output()


def test_the_worker_reads_committed_changes(standard, celery_worker_process):
    """The worker sees the same PostgreSQL database: a change committed here is visible there."""
    from skills.models import RoleSkillRequirement

    RoleSkillRequirement.objects.filter(role__code="DS_PRO").update(is_estimated=False)
    report = standard_verify_task.apply_async(
        kwargs={"version_id": standard.pk}, queue=celery_worker_process.queue
    ).get(timeout=60)
    assert report["official_requirements"] == 49
    assert report["estimated_requirements"] == 735 - 49
