"""PostgreSQL only: concurrent allocations of one device end with exactly one winner."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from devices import services
from devices.models import Allocation, Device
from tests.devices.factories import DeviceFactory, StudentFactory, approve

ATTEMPTS = 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_allocations_of_one_device(school, school_staff, purchase):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks and partial unique indexes")
    device = DeviceFactory(
        source=purchase, holder=Device.Holder.SCHOOL, school=school, district=school.district
    )
    pupils = [StudentFactory(school=school) for _ in range(ATTEMPTS)]
    for pupil in pupils:
        approve(pupil, "tablet")
    barrier = threading.Barrier(ATTEMPTS)
    results: list[str] = []
    lock = threading.Lock()

    def attempt(pupil):
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=30)
            services.allocate_device(actor=school_staff, device=device, student=pupil)
            outcome = "ok"
        except ValidationError as exc:
            outcome = exc.messages[0]
        except Exception as exc:  # noqa: BLE001 - any other failure must fail the test
            outcome = f"unexpected {type(exc).__name__}: {exc}"
        finally:
            thread_connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt, args=(p,)) for p in pupils]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(results) == ATTEMPTS
    assert results.count("ok") == 1
    refusals = [r for r in results if r != "ok"]
    assert len(refusals) == ATTEMPTS - 1
    assert all("đã được phân bổ cho một học sinh khác" in r for r in refusals), set(refusals)
    assert Allocation.objects.filter(device=device).count() == 1
    device.refresh_from_db()
    assert device.status == Device.Status.RESERVED
