"""Celery entry points: take ids, call one idempotent service."""

from __future__ import annotations

from celery import shared_task

from courses.services import catalog_import_job_run


@shared_task(acks_late=True)
def catalog_import_job_task(*, job_id: int) -> str:
    """Import an uploaded catalog file kept in a `CatalogImportJob`; returns the job's status."""
    job = catalog_import_job_run(job_id=job_id)
    return job.status if job is not None else "missing"
