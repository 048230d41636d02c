"""Big list exports run in a Celery task (``ExportJob``) and end with a download link.

The registry of exportable lists and the list pages' answers are the kernel's
(``kernel.exports``); the jobs stay here, next to their model, whose table, task name
and addresses (``schools:export_*``) are the ones already in use.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel import audit
from kernel.exports import (
    _REGISTRY,
    ExportingUser,
    RegisteredExport,
    background_threshold,
    clean_params,
    export_button,
    export_response,
    get_export,
    register_export,
)
from schools.models import ExportJob

__all__ = [
    "_REGISTRY",
    "RegisteredExport",
    "background_threshold",
    "clean_params",
    "export_button",
    "export_response",
    "get_export",
    "interrupted_message",
    "register_export",
    "start_export",
    "sweep_exports",
]

logger = logging.getLogger(__name__)


@transaction.atomic
def start_export(*, user: ExportingUser, key: str, params: dict[str, str]) -> ExportJob:
    """Record an export job for ``user`` and run it in the background after commit."""
    entry = get_export(key)
    entry.check_access(user)
    if entry.name_for is not None:
        # A list of one subject (a donor, a proposal): look it up as the user now, so
        # one out of scope answers 404 and records no job.
        entry.name_for(user, params)
    job = ExportJob.objects.create(user_id=user.pk, exporter=key, params=params)
    audit.record_audit(
        actor=user, action="export.start", obj=job, changes={"exporter": [None, key]}
    )
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> bool:
    """Send the job to the broker; when it is down the job stays pending (no ``enqueued_at``)
    and the sweep (``sweep_exports``) sends it again."""
    from schools.tasks import run_export
    from taskqueue.services import enqueue_safely

    if enqueue_safely(run_export, job_id) is None:
        return False
    ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.PENDING).update(
        enqueued_at=timezone.now()
    )
    return True


def interrupted_message() -> str:
    return _(
        "Việc lập tệp bị gián đoạn (máy chủ xử lý dừng hoặc quá thời gian); vui lòng xuất lại."
    )


def sweep_exports(now: dt.datetime) -> int:
    """Re-send jobs the broker never got; fail the ones whose task is gone or past its limit."""
    from schools.tasks import run_export
    from taskqueue.services import stale_before

    stale = stale_before(run_export, now)
    unsent = ExportJob.objects.filter(status=ExportJob.Status.PENDING, enqueued_at__isnull=True)
    resent = 0
    for pk in list(unsent.values_list("pk", flat=True)):
        if not _enqueue(pk):
            break  # still down: try again at the next sweep
        resent += 1
    lost = ExportJob.objects.filter(
        Q(status=ExportJob.Status.RUNNING, started_at__lt=stale)
        | Q(status=ExportJob.Status.PENDING, enqueued_at__lt=stale)
    ).update(status=ExportJob.Status.FAILED, error=interrupted_message(), finished_at=now)
    if lost:
        logger.warning("%s export job(s) ended by the sweep: their task is gone", lost)
    return resent + lost
