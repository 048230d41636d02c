"""The sweep's part for household-list batches: nothing queued is lost, nothing runs for ever.

Registered with ``taskqueue.services.register_sweeper`` in ``StudentsConfig.ready``.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from django.db import transaction
from django.utils.translation import gettext as _

from schools.import_batches import CHECK, IMPORT, RUNNING, outcome, running_status
from schools.models import ImportBatch

logger = logging.getLogger(__name__)


def interrupted_message() -> str:
    return _(
        "Lần xử lý tệp bị gián đoạn (máy chủ xử lý dừng hoặc quá thời gian cho phép); "
        "chưa ghi học sinh nào. Vui lòng tải tệp lên và thử lại."
    )


def sweep_import_batches(now: dt.datetime) -> int:
    """Re-send batches the broker never got; fail the ones whose task is gone or too late.

    A batch a worker is running is locked, so it is skipped; a batch we can lock and
    whose start is older than the task's time limit has no live task any more.
    """
    from students.services import _enqueue
    from students.tasks import run_student_import
    from taskqueue.services import stale_before

    stale = stale_before(run_student_import, now)
    handled = 0
    candidates = ImportBatch.objects.filter(kind=ImportBatch.Kind.STUDENTS, status__in=RUNNING)
    for pk in list(candidates.values_list("pk", flat=True)):
        with transaction.atomic():
            batch = (
                ImportBatch.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status__in=RUNNING)
                .first()
            )
            if batch is None:
                continue  # a worker is on it (or it just finished)
            phase = CHECK if batch.status == running_status(CHECK) else IMPORT
            started = batch.started_at or batch.uploaded_at
            if not batch.task_id:
                transaction.on_commit(partial(_enqueue, run_student_import, pk, phase))
            elif started < stale:
                ended = outcome(phase=phase, report=None, message=interrupted_message(), now=now)
                ImportBatch.objects.filter(pk=pk).update(**ended)
                logger.warning("Household-list batch ended by the sweep: its task is gone")
            else:
                continue
        handled += 1
    return handled
