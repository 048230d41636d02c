"""Background work for schools: big XLSX exports of any registered list."""

from __future__ import annotations

import os
import tempfile

from celery import shared_task
from django.core.files import File
from django.utils import timezone

from schools.models import ExportJob


@shared_task(
    time_limit=30 * 60,
    soft_time_limit=28 * 60,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    max_retries=3,
)
def run_export(job_id: int) -> int:
    """Write the job's list to its file as the requesting user; safe to run twice."""
    from kernel.exports import get_export

    job = ExportJob.objects.select_related("user").get(pk=job_id)
    if job.status == ExportJob.Status.DONE:
        return job.rows
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.RUNNING, error="", started_at=timezone.now()
    )
    try:
        entry = get_export(job.exporter)
        entry.check_access(job.user)  # the role may have changed since the job was queued
        # The queryset itself, not a wrapper: the exporter reads plain rows from it.
        objects = entry.objects(job.user, job.params or {})
        fd, path = tempfile.mkstemp(suffix=".xlsx")
        os.close(fd)
        try:
            rows = entry.build_exporter(job.user, job.params or {}).write(objects, path)
            if job.file:
                job.file.storage.delete(job.file.name)
            with open(path, "rb") as fh:
                name = entry.filename_for(job.user, job.params or {})
                job.file.save(f"{job.user_id}/{job.pk}-{name}", File(fh), save=False)
        finally:
            os.unlink(path)
    except OSError:
        raise
    except Exception as exc:
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:1000],
            finished_at=timezone.now(),
        )
        raise
    job.rows = rows
    job.status = ExportJob.Status.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "rows", "status", "finished_at"])
    entry.record(job.user, job.rows)
    return job.rows


@shared_task(time_limit=30 * 60, soft_time_limit=28 * 60, acks_late=True)
def purge_expired_uploads() -> int:
    """Daily (django-celery-beat): delete uploaded lists past UPLOAD_RETENTION_DAYS."""
    from schools.import_batches import purge_expired_uploads as purge

    return purge()
