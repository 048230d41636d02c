import threading
import time

import pytest
from django.db import connection, connections

from schools.models import ImportBatch
from students import services
from tests.students.helpers import pupil, standard


def _batch(user, school, name):
    from django.core.files.base import ContentFile

    batch = ImportBatch(
        kind="students",
        uploaded_by=user,
        school=school,
        file_name=name,
        file_sha256="x" * 64,
        rows=1,
        status="uploaded",
    )
    batch.file.save(name, ContentFile(standard([pupil(1)])), save=False)
    batch.save()
    return batch


@pytest.mark.django_db
def test_a_crash_marks_the_batch_failed_instead_of_running_for_ever(
    school_staff, school, monkeypatch
):
    batch = _batch(school_staff, school, "a.xlsx")

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_run_batch", boom)
    with pytest.raises(RuntimeError):
        services.start_batch(actor=school_staff, batch=batch, phase="validate")
    batch.refresh_from_db()
    assert batch.status == "failed"
    assert "Lỗi hệ thống" in batch.message
    assert services.running_batch_for(actor=school_staff, school=school) is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_starts_for_one_school_let_only_one_run(
    school_staff, other_school_staff, school, monkeypatch, settings
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    other_school_staff.school = school
    other_school_staff.save()
    settings.IMPORT_ASYNC_ROWS = 0  # queued, so the first batch stays "validating"
    monkeypatch.setattr(services, "_enqueue", lambda *args: None)
    check = services._refuse_if_running

    def slow_check(*args, **kwargs):
        check(*args, **kwargs)
        time.sleep(0.3)  # widen the race window between the check and the status change

    monkeypatch.setattr(services, "_refuse_if_running", slow_check)
    batches = [_batch(school_staff, school, "a.xlsx"), _batch(other_school_staff, school, "b.xlsx")]
    users = [school_staff, other_school_staff]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def start(index: int) -> None:
        try:
            barrier.wait()
            services.start_batch(actor=users[index], batch=batches[index], phase="validate")
            outcomes.append("started")
        except services.ImportRefused:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "started"]
    assert ImportBatch.objects.filter(status="validating").count() == 1
