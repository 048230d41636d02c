"""Background work for the pupil registry: large household lists."""

from __future__ import annotations

from celery import shared_task


# No automatic retry: a failure marks the batch failed with a message (run_batch), and a
# retry would find it no longer running and do nothing; the school uploads again.
# A worker lost mid-run is handled by acks_late and the sweep (students.recovery).
@shared_task(
    time_limit=30 * 60,
    acks_late=True,
    reject_on_worker_lost=True,
)
def run_student_import(batch_id: int, phase: str) -> str:
    """Dry-run (``phase="validate"``) or import a stored household list.

    Takes the batch id; safe to run twice: a batch that is no longer running is left alone.
    """
    from students.services import run_batch

    batch = run_batch(batch_id=batch_id, phase=phase)
    return batch.status if batch is not None else "missing"
