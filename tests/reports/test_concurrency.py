"""Two workers producing the same period's report at once still give one report."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from reports import services
from reports.models import ProgressReport
from tests.schools.factories import ProvinceFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_same_period_make_one_report():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    ProvinceFactory()  # a report is the report of a province's Sở
    barrier = threading.Barrier(2)
    results, errors = [], []

    def work():
        try:
            barrier.wait()
            report = services.generate_report(dt.date(2021, 10, 4), dt.date(2021, 10, 10))
            results.append(report.pk)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(results)) == 1
    assert ProgressReport.objects.count() == 1
    report = ProgressReport.objects.get()
    assert report.number == "01/BC-SGDĐT"
    assert report.status == ProgressReport.Status.DONE
