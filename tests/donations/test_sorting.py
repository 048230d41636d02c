"""Donors, receipts and spending sort by their whitelisted columns; default order otherwise."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from donations.models import Spending
from tests.donations.factories import CashReceiptFactory, DonorFactory, PledgeFactory

pytestmark = pytest.mark.django_db


def _rows(client, name, **params):
    response = client.get(reverse(f"donations:{name}"), params)
    assert response.status_code == 200
    return response, list(response.context["page"].object_list)


def test_donors_sort_by_cash_received_and_keep_the_search(client_for, manager, account):
    small = DonorFactory(name="Công ty A Lào Cai")
    big = DonorFactory(name="Công ty B Lào Cai")
    CashReceiptFactory(pledge=PledgeFactory(donor=small), amount=1_000_000, account=account)
    CashReceiptFactory(pledge=PledgeFactory(donor=big), amount=9_000_000, account=account)
    client = client_for(manager)
    assert _rows(client, "donors")[1] == [small, big]
    response, rows = _rows(client, "donors", sap_xep="-da_nhan", q="Lào Cai")
    assert rows == [big, small]
    html = response.content.decode()
    assert 'aria-sort="descending"' in html and "sap_xep=da_nhan" in html and "q=L" in html
    assert 'name="sap_xep" value="-da_nhan"' in html
    assert _rows(client, "donors", sap_xep="tax_code")[1] == [small, big]


def test_receipts_sort_by_amount_and_donor(client_for, manager, account):
    early = CashReceiptFactory(
        pledge=PledgeFactory(donor=DonorFactory(name="Zeta")),
        amount=7_000_000,
        received_on=dt.date(2021, 9, 1),
        account=account,
    )
    late = CashReceiptFactory(
        pledge=PledgeFactory(donor=DonorFactory(name="Alpha")),
        amount=2_000_000,
        received_on=dt.date(2021, 11, 1),
        account=account,
    )
    client = client_for(manager)
    assert _rows(client, "receipts")[1] == [late, early]
    assert _rows(client, "receipts", sap_xep="-so_tien")[1] == [early, late]
    assert _rows(client, "receipts", sap_xep="nha_tai_tro")[1] == [late, early]
    assert _rows(client, "receipts", sap_xep="-nha_tai_tro")[1] == [early, late]
    assert _rows(client, "receipts", sap_xep="recorded_by")[1] == [late, early]


def test_spending_sorts_by_amount_and_the_page_links_keep_the_sort(client_for, manager, account):
    def spend(day, amount, ref):
        return Spending.objects.create(
            spent_on=dt.date(2021, 1, 1) + dt.timedelta(days=day),
            amount=amount,
            account=account,
            purpose="other",
            reference=ref,
            recorded_by=manager,
        )

    rows = [spend(day, 1_000_000 * day, f"UNC-{day:02d}") for day in range(1, 53)]
    client = client_for(manager)
    assert _rows(client, "spendings")[1][0] == rows[-1]  # newest first
    response, page = _rows(client, "spendings", sap_xep="so_tien")
    assert page[0] == rows[0]
    assert "?sap_xep=so_tien&page=2" in response.content.decode()
    assert _rows(client, "spendings", sap_xep="so_tien", page=2)[1] == rows[50:]
    assert _rows(client, "spendings", sap_xep="-chung_tu")[1][0] == rows[-1]
    assert _rows(client, "spendings", sap_xep="account")[1][0] == rows[-1]
