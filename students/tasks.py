"""Background work for the pupil registry: large household lists."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    bind=True,
    max_retries=3,
    default_retry_delay=30,
    time_limit=30 * 60,
    acks_late=True,
    reject_on_worker_lost=True,
)
def run_student_import(self, batch_id: int, phase: str) -> str:
    """Dry-run (``phase="validate"``) or import a stored household list.

    Takes the batch id; safe to run twice: a batch that is no longer running is left alone.
    """
    from students.services import run_batch

    batch = run_batch(batch_id=batch_id, phase=phase)
    return batch.status if batch is not None else "missing"
