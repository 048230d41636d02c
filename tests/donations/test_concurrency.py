"""Races that only a real database shows: two clerks recording against one pledge."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from donations import services
from donations.models import CashReceipt

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def only_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")


def race(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = []

    def run(call):
        try:
            barrier.wait()
            outcomes.append(call())
        except ValidationError as exc:
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def receipt(manager, pledge, account, amount, reference):
    return lambda: services.record_cash_receipt(
        actor=manager,
        pledge=pledge,
        amount=amount,
        received_on=dt.date(2021, 10, 1),
        account=account,
        reference=reference,
    )


def test_two_receipts_cannot_both_fill_the_remainder(manager, pledge, account):
    outcomes = race(
        receipt(manager, pledge, account, 60_000_000, "A-1"),
        receipt(manager, pledge, account, 60_000_000, "A-2"),
    )
    assert sum(isinstance(o, CashReceipt) for o in outcomes) == 1
    assert sum(isinstance(o, ValidationError) for o in outcomes) == 1
    assert CashReceipt.objects.count() == 1


def test_same_reference_twice_at_once_gives_one_receipt_and_a_clear_error(manager, account):
    from tests.donations.factories import PledgeFactory

    first, second = PledgeFactory(created_by=manager), PledgeFactory(created_by=manager)
    outcomes = race(
        receipt(manager, first, account, 1_000_000, "FT-SAME"),
        receipt(manager, second, account, 1_000_000, "FT-SAME"),
    )
    errors = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(errors) == 1 and "FT-SAME" in str(errors[0])
    assert CashReceipt.objects.filter(reference="FT-SAME").count() == 1
