import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from devices.models import DeviceSource
from donations.models import CashReceipt, Donor, InKindReceipt, Pledge, Spending
from kernel.exporters import XLSX_CONTENT_TYPE
from tests.devices.factories import DeviceFactory, DeviceSourceFactory
from tests.donations.conftest import delivery_list
from tests.donations.factories import (
    CashReceiptFactory,
    DonorFactory,
    InstalmentFactory,
    PledgeFactory,
    PledgeItemFactory,
)
from tests.exports import export_via_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(manager, account):
    donor = DonorFactory(name="Ngân hàng Agribank Lào Cai", tax_code="0100686174")
    pledge = PledgeFactory(donor=donor, created_by=manager)
    PledgeItemFactory(pledge=pledge, quantity=2)
    receipt = CashReceiptFactory(
        pledge=pledge, account=account, amount=30_000_000, reference="FT-111"
    )
    source = DeviceSourceFactory(
        kind=DeviceSource.Kind.DONATION, created_by=manager, reference="BB 07/2021"
    )
    DeviceFactory(source=source, serial_number="R9XTAAA1")
    inkind = InKindReceipt.objects.create(pledge=pledge, source=source, recorded_by=manager)
    return {"donor": donor, "pledge": pledge, "receipt": receipt, "inkind": inkind}


def urls(objects):
    donor, pledge = objects["donor"].pk, objects["pledge"].pk
    return [
        reverse("donations:donors"),
        reverse("donations:donor_export"),
        reverse("donations:donor_create"),
        reverse("donations:donor_detail", args=[donor]),
        reverse("donations:donor_edit", args=[donor]),
        reverse("donations:donor_devices", args=[donor]),
        reverse("donations:pledge_create", args=[donor]),
        reverse("donations:pledge_detail", args=[pledge]),
        reverse("donations:pledge_edit", args=[pledge]),
        reverse("donations:cash_receipt", args=[pledge]),
        reverse("donations:inkind_receipt", args=[pledge]),
        reverse("donations:receipts"),
        reverse("donations:cash_letter", args=[objects["receipt"].pk]),
        reverse("donations:inkind_letter", args=[objects["inkind"].pk]),
        reverse("donations:spendings"),
        reverse("donations:spending_create"),
    ]


def export_urls(objects):
    """The registry-sized exports among ``urls``: each sends the user back to its list,
    whose background button starts the worker (see tests/exports.py)."""
    donor = objects["donor"].pk
    return {
        reverse("donations:donor_export"): reverse("donations:donors"),
        reverse("donations:donor_devices", args=[donor]): reverse(
            "donations:donor_detail", args=[donor]
        ),
    }


def test_every_page_opens_for_a_provincial_donation_manager(client_for, manager, objects):
    client = client_for(manager)
    exports = export_urls(objects)
    for url in urls(objects):
        response = client.get(url)
        if url in exports:
            assert response.status_code == 302, url
            assert response["Location"] == exports[url], url
        else:
            assert response.status_code == 200, url


def test_the_provincial_officer_role_also_manages_donations(client_for, province_official, objects):
    assert client_for(province_official).get(reverse("donations:donors")).status_code == 200


def test_anonymous_is_sent_to_login(client, objects):
    for url in urls(objects):
        response = client.get(url)
        assert response.status_code == 302 and "/dang-nhap/" in response["Location"], url


@pytest.mark.parametrize(
    "who",
    ["school_staff", "district_officer", "other_district_officer", "coverage_officer", "outsider"],
)
def test_everyone_else_gets_404(request, client_for, objects, who):
    client = client_for(request.getfixturevalue(who))
    for url in urls(objects):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {}).status_code == 404, url


def test_district_role_with_donation_capability_is_still_404(client_for, district_officer, objects):
    role = district_officer.role
    role.can_manage_donations = True
    role.save()
    district_officer.refresh_from_db()
    assert district_officer.can("can_manage_donations")
    response = client_for(district_officer).get(reverse("donations:donors"))
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["donor_detail", "donor_devices"])
def test_state_changes_are_post_only(client_for, manager, objects, name):
    url = reverse(f"donations:{name}", args=[objects["donor"].pk])
    assert client_for(manager).post(url).status_code == 405


def test_letters_and_lists_refuse_post(client_for, manager, objects):
    client = client_for(manager)
    assert (
        client.post(reverse("donations:cash_letter", args=[objects["receipt"].pk])).status_code
        == 405
    )
    assert client.post(reverse("donations:donors")).status_code == 405
    assert client.post(reverse("donations:public")).status_code == 405


def test_unknown_objects_are_404(client_for, manager, objects):
    client = client_for(manager)
    assert client.get(reverse("donations:donor_detail", args=[9999])).status_code == 404
    assert client.get(reverse("donations:pledge_detail", args=[9999])).status_code == 404


# ---------------------------------------------------------------- forms


def test_create_donor_and_pledge_through_the_pages(client_for, manager):
    client = client_for(manager)
    response = client.post(
        reverse("donations:donor_create"),
        {
            "kind": "enterprise",
            "name": "Tổng công ty Viễn thông MobiFone",
            "tax_code": "0100686209",
            "public_consent": "on",
        },
    )
    donor = Donor.objects.get(tax_code="0100686209")
    assert response.status_code == 302
    form = client.get(reverse("donations:pledge_create", args=[donor.pk])).content.decode()
    # Unused in-kind rows start blank, so a browser submits them as unchanged.
    select = form[form.index('name="items-2-kind"') :]
    assert select[: select.index("</select>")].count('<option value="" selected>') == 1
    data = {
        "pledged_on": "2021-09-20",
        "cash_amount": "200000000",
        "purpose": "Máy tính bảng",
        # A browser also sends the unused extra rows, blank.
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-0-kind": "tablet",
        "items-0-quantity": "50",
        "items-1-kind": "",
        "items-1-quantity": "",
        "items-1-months": "",
        "instalments-2-due_on": "",
        "instalments-2-amount": "",
        "instalments-TOTAL_FORMS": "3",
        "instalments-INITIAL_FORMS": "0",
        "instalments-0-due_on": "2021-10-01",
        "instalments-0-amount": "100000000",
        "instalments-1-due_on": "2021-11-01",
        "instalments-1-amount": "100000000",
    }
    response = client.post(reverse("donations:pledge_create", args=[donor.pk]), data)
    pledge = Pledge.objects.get(donor=donor)
    assert response.status_code == 302
    assert pledge.instalments.count() == 2 and pledge.items.get().quantity == 50
    page = client.get(response["Location"])  # its history renders
    assert page.status_code == 200 and "Ghi nhận cam kết ủng hộ" in page.content.decode()


def test_pledge_edit_page_removes_a_row_and_changes_the_cash(client_for, manager):
    client = client_for(manager)
    donor = DonorFactory()
    pledge = PledgeFactory(donor=donor, created_by=manager, cash_amount=200_000_000)
    PledgeItemFactory(pledge=pledge, kind="tablet", quantity=50)
    PledgeItemFactory(pledge=pledge, kind="data", quantity=50, months=12)
    url = reverse("donations:pledge_edit", args=[pledge.pk])
    form = client.get(url).content.decode()
    assert 'name="items-0-quantity" value="50"' in form and 'name="items-1-DELETE"' in form
    data = {
        "pledged_on": pledge.pledged_on.isoformat(),
        "cash_amount": "150000000",
        "purpose": "",
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "2",
        "items-0-kind": "tablet",
        "items-0-quantity": "60",
        "items-1-kind": "data",
        "items-1-quantity": "50",
        "items-1-months": "12",
        "items-1-DELETE": "on",
        "instalments-TOTAL_FORMS": "0",
        "instalments-INITIAL_FORMS": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.cash_amount == 150_000_000
    assert [(i.kind, i.quantity) for i in pledge.items.all()] == [("tablet", 60)]


def test_pledge_form_shows_instalment_mismatch(client_for, manager):
    donor = DonorFactory()
    data = {
        "pledged_on": "2021-09-20",
        "cash_amount": "200000000",
        "items-TOTAL_FORMS": "0",
        "items-INITIAL_FORMS": "0",
        "instalments-TOTAL_FORMS": "1",
        "instalments-INITIAL_FORMS": "0",
        "instalments-0-due_on": "2021-10-01",
        "instalments-0-amount": "1000",
    }
    response = client_for(manager).post(reverse("donations:pledge_create", args=[donor.pk]), data)
    assert response.status_code == 200
    assert "phải bằng số tiền cam kết" in response.content.decode()
    assert not Pledge.objects.exists()


def test_cash_receipt_form_refuses_beyond_remainder_then_accepts_confirmed(
    client_for, manager, objects, account
):
    client = client_for(manager)
    url = reverse("donations:cash_receipt", args=[objects["pledge"].pk])
    data = {
        "amount": "80000000",
        "received_on": "2021-10-10",
        "account": account.pk,
        "reference": "FT-222",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "vượt số còn lại" in response.content.decode()
    assert not CashReceipt.objects.filter(reference="FT-222").exists()
    response = client.post(
        url, {**data, "over_delivery": "on", "over_delivery_reason": "Thư 15/AGR"}
    )
    assert response.status_code == 302
    assert CashReceipt.objects.get(reference="FT-222").over_delivery


def test_cash_receipt_form_duplicate_reference(client_for, manager, objects, account):
    url = reverse("donations:cash_receipt", args=[objects["pledge"].pk])
    data = {
        "amount": "1000000",
        "received_on": "2021-10-10",
        "account": account.pk,
        "reference": "ft-111",
    }
    response = client_for(manager).post(url, data)
    assert response.status_code == 200
    assert "đã được ghi nhận" in response.content.decode()
    assert CashReceipt.objects.count() == 1


def test_inkind_form_imports_the_delivery_list(client_for, manager, objects):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("donations:inkind_receipt", args=[objects["pledge"].pk])
    upload = SimpleUploadedFile(
        "giao-nhan.xlsx", delivery_list("NEW1"), content_type=XLSX_CONTENT_TYPE
    )
    response = client_for(manager).post(
        url, {"reference": "BB 20/2021", "received_on": "2021-10-30", "delivery_file": upload}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    receipt = InKindReceipt.objects.get(source__reference="BB 20/2021")
    assert list(receipt.source.devices.values_list("serial_number", flat=True)) == ["NEW1"]


def test_inkind_form_reports_row_errors(client_for, manager, objects):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("donations:inkind_receipt", args=[objects["pledge"].pk])
    upload = SimpleUploadedFile(
        "giao-nhan.xlsx", delivery_list("R9XTAAA1"), content_type=XLSX_CONTENT_TYPE
    )
    response = client_for(manager).post(
        url, {"reference": "BB 21/2021", "received_on": "2021-10-30", "delivery_file": upload}
    )
    assert response.status_code == 200
    assert "đã có trong kho" in response.content.decode()
    assert InKindReceipt.objects.count() == 1


def test_spending_form(client_for, manager, objects, account):
    purchase = DeviceSourceFactory(kind=DeviceSource.Kind.PURCHASE, created_by=manager)
    response = client_for(manager).post(
        reverse("donations:spending_create"),
        {
            "spent_on": "2021-12-01",
            "amount": "12000000",
            "account": account.pk,
            "reference": "UNC 5",
            "purpose": "devices",
            "receipts": [objects["receipt"].pk],
            "purchase": purchase.pk,
        },
    )
    assert response.status_code == 302
    spending = Spending.objects.get()
    assert spending.purchase == purchase and spending.draws.get().amount == 12_000_000


# ---------------------------------------------------------------- documents and exports


def pdf_text(response) -> str:
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_cash_acknowledgement_is_an_official_pdf(client_for, manager, objects):
    response = client_for(manager).get(
        reverse("donations:cash_letter", args=[objects["receipt"].pk])
    )
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response)
    for expected in (
        "UBND TỈNH LÀO CAI",
        "SỞ GIÁO DỤC VÀ ĐÀO TẠO",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        f"Số: {objects['receipt'].pk:04d}/GXN-SGDĐT",
        "Ngân hàng Agribank Lào Cai",
        "30.000.000 đ",
        "FT-111",
        "GIÁM ĐỐC",
    ):
        assert expected in text, expected


def test_inkind_acknowledgement_lists_the_devices(client_for, manager, objects):
    response = client_for(manager).get(
        reverse("donations:inkind_letter", args=[objects["inkind"].pk])
    )
    text = pdf_text(response)
    assert "R9XTAAA1" in text and "BB 07/2021" in text and "Máy tính bảng" in text


def test_exports_are_xlsx(client_for, manager, objects):
    from openpyxl import load_workbook

    client = client_for(manager)
    downloads = {}
    for url, params, key in (
        (reverse("donations:donor_export"), {}, "donations.donors"),
        (reverse("donations:receipts"), {"format": "xlsx"}, "donations.receipts"),
        (reverse("donations:spendings"), {"format": "xlsx"}, "donations.spendings"),
        (
            reverse("donations:donor_devices", args=[objects["donor"].pk]),
            {"donor": str(objects["donor"].pk)},
            "donations.donor_devices",
        ),
    ):
        response = export_via_worker(client, url, params, key=key)
        assert response.status_code == 200, url
        assert response["Content-Type"] == XLSX_CONTENT_TYPE, url
        sheet = load_workbook(io.BytesIO(response.content)).active
        values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
        assert values, url
        downloads[key] = response
    sheet = load_workbook(io.BytesIO(downloads["donations.donors"].content)).active
    assert any("Agribank" in str(c) for row in sheet.iter_rows(values_only=True) for c in row)


# ---------------------------------------------------------------- query counts


def grow(manager, n):
    for _i in range(n):
        donor = DonorFactory()
        pledge = PledgeFactory(donor=donor, created_by=manager)
        PledgeItemFactory(pledge=pledge)
        InstalmentFactory(pledge=pledge, due_on=dt.date(2020, 1, 1), amount=100_000_000)
        CashReceiptFactory(pledge=pledge)
        CashReceiptFactory(pledge=pledge)


@pytest.mark.parametrize("name", ["donors", "receipts", "spendings"])
def test_list_pages_make_a_fixed_number_of_queries(
    client_for, manager, django_assert_num_queries, name
):
    client = client_for(manager)
    url = reverse(f"donations:{name}")
    grow(manager, 2)
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    assert len(small.captured_queries) <= 12
    grow(manager, 6)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_donor_page_makes_a_fixed_number_of_queries(
    client_for, manager, objects, django_assert_num_queries
):
    client = client_for(manager)
    url = reverse("donations:donor_detail", args=[objects["donor"].pk])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    assert len(small.captured_queries) <= 16
    pledge = PledgeFactory(donor=objects["donor"], created_by=manager)
    CashReceiptFactory(pledge=pledge)
    InstalmentFactory(pledge=pledge)
    source = DeviceSourceFactory(kind=DeviceSource.Kind.DONATION, created_by=manager)
    InKindReceipt.objects.create(pledge=pledge, source=source, recorded_by=manager)
    DeviceFactory.create_batch(3, source=source)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(url)


@pytest.mark.parametrize("amount", [str(2**63), str(10**15)])
def test_cash_receipt_amount_beyond_the_column_is_a_form_error(
    client_for, manager, objects, account, amount
):
    url = reverse("donations:cash_receipt", args=[objects["pledge"].pk])
    data = {"amount": amount, "received_on": "2021-10-10", "account": account.pk}
    response = client_for(manager).post(url, {**data, "reference": "FT-333"})
    assert response.status_code == 200
    errors = response.context["form"].errors["amount"]
    assert errors == ["Số tiền (đồng) tối đa là 999.999.999.999.999."]
    assert not CashReceipt.objects.filter(reference="FT-333").exists()


def test_pledge_amount_of_two_to_the_63_is_a_form_error(client_for, manager):
    donor = DonorFactory()
    data = {
        "pledged_on": "2021-09-20",
        "cash_amount": str(2**63),
        "items-TOTAL_FORMS": "0",
        "items-INITIAL_FORMS": "0",
        "instalments-TOTAL_FORMS": "1",
        "instalments-INITIAL_FORMS": "0",
        "instalments-0-due_on": "2021-10-01",
        "instalments-0-amount": str(2**63),
    }
    response = client_for(manager).post(reverse("donations:pledge_create", args=[donor.pk]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Số tiền cam kết (đồng) tối đa là 999.999.999.999.999." in page
    assert "Số tiền (đồng) tối đa là 999.999.999.999.999." in page
    assert not Pledge.objects.exists()


def test_donor_form_takes_a_branch_code_as_printed_and_a_landline(client_for, manager):
    client = client_for(manager)
    page = client.get(reverse("donations:donor_create")).content.decode()
    field = page[page.index('name="tax_code"') :]
    field = field[: field.index(">")]
    assert 'maxlength="13"' not in field
    response = client.post(
        reverse("donations:donor_create"),
        {
            "kind": "enterprise",
            "name": "Viettel Lào Cai - Chi nhánh Tập đoàn Viettel",
            "tax_code": "0100109106-001",
            "phone": "0214 3840 123",
        },
    )
    assert response.status_code == 302
    donor = Donor.objects.get(name__startswith="Viettel Lào Cai")
    assert (donor.tax_code, donor.phone) == ("0100109106001", "02143840123")


@pytest.mark.parametrize(
    ("tax_code", "phone", "message"),
    [
        ("0000000000", "", "Mã số thuế 0000000000 sai chữ số kiểm tra"),
        ("0100109107", "", "Mã số thuế 0100109107 sai chữ số kiểm tra"),
        ("0100109106", "0214 3840", "Số điện thoại không hợp lệ"),
    ],
)
def test_donor_form_refuses_bad_tax_code_or_phone(client_for, manager, tax_code, phone, message):
    response = client_for(manager).post(
        reverse("donations:donor_create"),
        {"kind": "enterprise", "name": "Công ty X", "tax_code": tax_code, "phone": phone},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Donor.objects.filter(name="Công ty X").exists()
