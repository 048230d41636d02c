"""The new Lào Cai (2025) runs the donations of the provinces that went into it.

Donors, pledges and fund accounts recorded by old Lào Cai stay as they were recorded (their
province is old Lào Cai); the new province's donation manager records new pledges and receipts
for them. A province that did not go into it stays out of reach (404).
"""

import datetime as dt

import pytest

from donations.models import CashReceipt, Pledge
from schools.models import GENERATION_2025, Province
from tests.accounts.factories import UserFactory, role
from tests.donations.factories import DonorFactory, FundAccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def provinces():
    old = Province.objects.create(code="10", name="Lào Cai")
    new = Province.objects.create(code="15", name="Lào Cai", generation_id=GENERATION_2025)
    Province.objects.filter(pk=old.pk).update(successor=new)
    other = Province.objects.create(code="08", name="Tuyên Quang", generation_id=GENERATION_2025)
    return old, new, other


def manager_of(province, username):
    return UserFactory(username=username, role=role("donation_manager"), province=province)


def pledge_form(amount: int) -> dict[str, str]:
    return {
        "pledged_on": "2026-12-01",
        "cash_amount": str(amount),
        "round": "",
        "purpose": "Mua máy tính bảng cho học sinh Bảo Yên",
        "note": "",
        "items-TOTAL_FORMS": "0",
        "items-INITIAL_FORMS": "0",
        "instalments-TOTAL_FORMS": "0",
        "instalments-INITIAL_FORMS": "0",
    }


def test_new_province_records_a_pledge_and_a_receipt_for_an_old_provinces_donor(client, provinces):
    old, new, _ = provinces
    donor = DonorFactory(name="Viettel Lào Cai", province=old)
    account = FundAccountFactory(province=old)
    client.force_login(manager_of(new, "tai_tro_moi"))

    response = client.post(
        f"/tai-tro/nha-tai-tro/{donor.pk}/cam-ket/them/", pledge_form(50_000_000)
    )

    pledge = Pledge.objects.get(donor=donor)
    assert response.status_code == 302
    assert response["Location"] == f"/tai-tro/cam-ket/{pledge.pk}/"
    assert (pledge.cash_amount, pledge.pledged_on, pledge.donor.province_id) == (
        50_000_000,
        dt.date(2026, 12, 1),
        old.pk,
    )
    assert client.get(response["Location"]).status_code == 200
    response = client.post(
        f"/tai-tro/cam-ket/{pledge.pk}/thu-tien/",
        {
            "received_on": "2026-12-02",
            "amount": "50000000",
            "account": str(account.pk),
            "reference": "UNC-2026-0001",
            "note": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    receipt = CashReceipt.objects.get(pledge=pledge)
    assert (receipt.amount, receipt.reference, receipt.account_id) == (
        50_000_000,
        "UNC-2026-0001",
        account.pk,
    )


def test_a_province_that_did_not_go_into_it_cannot_pledge_for_the_donor(client, provinces):
    old, _, other = provinces
    donor = DonorFactory(name="Viettel Lào Cai", province=old)
    client.force_login(manager_of(other, "tai_tro_tq"))

    response = client.post(f"/tai-tro/nha-tai-tro/{donor.pk}/cam-ket/them/", pledge_form(1_000_000))

    assert response.status_code == 404
    assert not Pledge.objects.exists()
