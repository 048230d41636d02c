"""Every devices page: anonymous, own scope, another unit, wrong role, wrong method."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import AuditEvent
from devices import services
from devices.models import Allocation, Device, StockTransfer, Subscription
from schools.models import ImportBatch
from tests.accounts.factories import UserFactory, role
from tests.devices.conftest import xlsx
from tests.devices.factories import (
    DataPackageFactory,
    DeviceFactory,
    StudentFactory,
    SubscriptionFactory,
    approve,
    make_imei,
)
from tests.exports import export_via_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(
    school,
    district,
    purchase,
    school_staff,
    school_tablet,
    beneficiary,
    province_official,
):
    """One of everything, in ``school`` (district ``district``)."""
    item = beneficiary.proposal_items.get(kind="tablet")
    allocation = services.allocate_device(
        actor=school_staff, device=school_tablet, student=beneficiary
    )
    spare = DeviceFactory(
        source=purchase, holder=Device.Holder.SCHOOL, school=school, district=district
    )
    province_device = DeviceFactory(source=purchase)
    transfer = services.create_transfer(
        actor=province_official, devices=[province_device], to_district=district
    )
    waiting = StudentFactory(school=school, full_name="Lù Thị Mỷ")
    waiting_item = approve(waiting, "tablet")
    subscription = SubscriptionFactory(
        student=beneficiary,
        proposal_item=beneficiary.proposal_items.get(kind="data"),
        created_by=school_staff,
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31),
        status=Subscription.Status.ACTIVE,
    )
    problem = services.report_problem(
        actor=school_staff, subscription=subscription, kind="no_signal"
    )
    return {
        "item": item,
        "allocation": allocation,
        "spare": spare,
        "device": school_tablet,
        "transfer": transfer,
        "waiting_item": waiting_item,
        "subscription": subscription,
        "problem": problem,
    }


@pytest.fixture
def coverage_officer(province):
    return UserFactory(username="phu_song", role=role("coverage_officer"), province=province)


# (url name, kwargs from world, users answering 200, users answering 404)
ALL_STAFF = {"school_staff", "district_officer", "province_official"}
PAGES = [
    ("stock", None, ALL_STAFF | {"coverage_officer"}, {"outsider"}),
    (
        "device_detail",
        "device",
        ALL_STAFF,
        {"other_school_staff", "other_district_officer", "far_school_staff", "outsider"},
    ),
    (
        "receive",
        None,
        {"province_official"},
        {"school_staff", "district_officer", "coverage_officer"},
    ),
    ("import", None, {"province_official"}, {"school_staff", "district_officer", "outsider"}),
    ("source_create", None, {"province_official"}, {"school_staff", "district_officer"}),
    ("sources", None, ALL_STAFF, {"outsider"}),
    ("transfers", None, ALL_STAFF, {"outsider"}),
    (
        "transfer_create",
        None,
        {"province_official", "district_officer"},
        {"school_staff", "coverage_officer"},
    ),
    (
        "transfer_detail",
        "transfer",
        {"province_official", "district_officer"},
        {"school_staff", "other_district_officer", "outsider"},
    ),
    ("beneficiaries", None, ALL_STAFF, {"outsider"}),
    (
        "allocate",
        "waiting_item",
        {"school_staff"},
        {"other_school_staff", "district_officer", "far_school_staff", "outsider"},
    ),
    ("allocations", None, ALL_STAFF, {"outsider"}),
    (
        "allocation_detail",
        "allocation",
        ALL_STAFF,
        {"other_school_staff", "other_district_officer", "outsider"},
    ),
    (
        "allocation_pdf",
        "allocation",
        ALL_STAFF,
        {"other_school_staff", "other_district_officer", "outsider"},
    ),
    ("subscriptions", None, ALL_STAFF, {"outsider"}),
    ("packages", None, ALL_STAFF, {"outsider"}),
    ("subscription_create", None, {"school_staff"}, {"district_officer", "province_official"}),
    (
        "subscription_detail",
        "subscription",
        ALL_STAFF,
        {"other_school_staff", "other_district_officer", "outsider"},
    ),
    ("status_import", None, ALL_STAFF, {"outsider"}),
]


def _url(name, key, world):
    return reverse(f"devices:{name}", args=[world[key].pk] if key else [])


@pytest.mark.parametrize(("name", "key", "ok", "hidden"), PAGES, ids=[p[0] for p in PAGES])
def test_page_access(request, client, world, name, key, ok, hidden):
    url = _url(name, key, world)
    response = client.get(url)
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]
    for fixture in sorted(ok):
        client.force_login(request.getfixturevalue(fixture))
        assert client.get(url).status_code == 200, fixture
    for fixture in sorted(hidden):
        client.force_login(request.getfixturevalue(fixture))
        assert client.get(url).status_code == 404, fixture


POST_ONLY = [
    ("device_write_off", "device"),
    ("transfer_confirm", "transfer"),
    ("transfer_cancel", "transfer"),
    ("allocation_handover", "allocation"),
    ("allocation_return", "allocation"),
    ("allocation_cancel", "allocation"),
    ("subscription_problem", "subscription"),
    ("problem_resolve", "problem"),
]


@pytest.mark.parametrize(("name", "key"), POST_ONLY, ids=[p[0] for p in POST_ONLY])
def test_state_changes_are_post_only(client_for, world, school_staff, district_officer, name, key):
    client = client_for(district_officer if key == "transfer" else school_staff)
    assert client.get(_url(name, key, world)).status_code == 405


@pytest.mark.parametrize(("name", "key"), POST_ONLY, ids=[p[0] for p in POST_ONLY])
def test_state_changes_by_another_unit_are_404(client_for, world, other_school_staff, name, key):
    response = client_for(other_school_staff).post(_url(name, key, world), {"reason": "x"})
    assert response.status_code == 404


def test_import_confirm_views_are_post_only(client_for, province_official, school_staff, province):
    batch = ImportBatch.objects.create(
        kind=ImportBatch.Kind.DEVICES, uploaded_by=province_official, file_name="a.xlsx"
    )
    client = client_for(province_official)
    assert client.get(reverse("devices:import_confirm", args=[batch.pk])).status_code == 405
    sub_batch = ImportBatch.objects.create(
        kind=ImportBatch.Kind.SUBSCRIPTIONS, uploaded_by=province_official, file_name="b.xlsx"
    )
    url = reverse("devices:status_import_confirm", args=[sub_batch.pk])
    assert client.get(url).status_code == 405
    # Someone else's batch is not found.
    assert client_for(school_staff).post(url).status_code == 404


def test_scan_is_served_only_in_scope(client_for, world, school_staff, other_school_staff):
    allocation = world["allocation"]
    scan = SimpleUploadedFile("s.png", b"\x89PNG\r\n\x1a\n" + b"0" * 50, "image/png")
    services.record_handover(
        actor=school_staff, allocation=allocation, scan=scan, handover_date=dt.date.today()
    )
    url = reverse("devices:allocation_scan", args=[allocation.pk])
    response = client_for(school_staff).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert client_for(other_school_staff).get(url).status_code == 404


# ------------------------------------------------------------------- flows


def test_school_allocates_through_the_page(client_for, world, school_staff):
    item = world["waiting_item"]
    response = client_for(school_staff).post(
        reverse("devices:allocate", args=[item.pk]),
        {"device": world["spare"].pk, "terms": "gift"},
    )
    allocation = Allocation.objects.get(student=item.student)
    assert response.status_code == 302
    assert response["Location"] == reverse("devices:allocation_detail", args=[allocation.pk])


def test_allocating_a_device_already_allocated_shows_the_refusal(client_for, world, school_staff):
    item = world["waiting_item"]
    Device.objects.filter(pk=world["device"].pk).update(status="in_stock")  # stale page
    response = client_for(school_staff).post(
        reverse("devices:allocate", args=[item.pk]),
        {"device": world["device"].pk, "terms": "gift"},
    )
    assert response.status_code == 200
    assert "đã được phân bổ cho một học sinh khác" in response.content.decode()
    assert not Allocation.objects.filter(student=item.student).exists()


def test_handover_upload_then_return(client_for, world, school_staff):
    allocation = world["allocation"]
    client = client_for(school_staff)
    scan = SimpleUploadedFile("scan.pdf", b"%PDF-1.7\n" + b"0" * 200, "application/pdf")
    client.post(
        reverse("devices:allocation_handover", args=[allocation.pk]),
        {"handover_date": dt.date.today().isoformat(), "scan": scan},
    )
    allocation.refresh_from_db()
    assert allocation.status == Allocation.Status.HANDED_OVER
    client.post(
        reverse("devices:allocation_return", args=[allocation.pk]),
        {
            "returned_on": dt.date.today().isoformat(),
            "reason": "left_school",
            "condition": "good",
            "note": "",
        },
    )
    allocation.refresh_from_db()
    assert allocation.status == Allocation.Status.RETURNED
    page = client.get(reverse("devices:device_detail", args=[allocation.device_id]))
    assert "Học sinh trả thiết bị" in page.content.decode()


def test_handover_with_a_fake_scan_is_refused(client_for, world, school_staff):
    allocation = world["allocation"]
    fake = SimpleUploadedFile("scan.pdf", b"<html>not a scan</html>", "application/pdf")
    response = client_for(school_staff).post(
        reverse("devices:allocation_handover", args=[allocation.pk]),
        {"handover_date": dt.date.today().isoformat(), "scan": fake},
        follow=True,
    )
    assert "PDF, JPEG hoặc PNG" in response.content.decode()
    allocation.refresh_from_db()
    assert allocation.status == Allocation.Status.RESERVED


def test_district_confirms_incoming_transfer(client_for, world, district_officer):
    transfer = world["transfer"]
    client_for(district_officer).post(reverse("devices:transfer_confirm", args=[transfer.pk]))
    transfer.refresh_from_db()
    assert transfer.status == StockTransfer.Status.RECEIVED


def test_province_sends_devices_to_a_district(client_for, province_official, district, purchase):
    devices = [DeviceFactory(source=purchase) for _ in range(2)]
    response = client_for(province_official).post(
        reverse("devices:transfer_create"),
        {"to_district": district.pk, "devices": [d.pk for d in devices], "note": ""},
    )
    transfer = StockTransfer.objects.get()
    assert response["Location"] == reverse("devices:transfer_detail", args=[transfer.pk])
    assert transfer.devices.count() == 2


def test_province_receives_a_device_by_form(client_for, province_official, purchase):
    response = client_for(province_official).post(
        reverse("devices:receive"),
        {
            "device_source": purchase.pk,
            "device_type": "smartphone",
            "make": "Xiaomi",
            "model_name": "Redmi 9A",
            "serial_number": "xm-001",
            "imei": make_imei(900),
            "condition": "new",
        },
    )
    assert response.status_code == 302
    assert Device.objects.get().serial_number == "XM-001"


def test_form_refuses_imei_failing_luhn(client_for, province_official, purchase):
    bad = make_imei(900)[:-1] + str((int(make_imei(900)[-1]) + 1) % 10)
    response = client_for(province_official).post(
        reverse("devices:receive"),
        {
            "device_source": purchase.pk,
            "device_type": "tablet",
            "make": "Samsung",
            "model_name": "Tab A7",
            "serial_number": "S-1",
            "imei": bad,
            "condition": "new",
        },
    )
    assert response.status_code == 200
    assert "sai chữ số kiểm tra Luhn" in response.content.decode()
    assert not Device.objects.exists()


def test_delivery_list_dry_run_then_confirm(client_for, province_official, purchase):
    data = xlsx(
        [
            ["Loại thiết bị", "Hãng", "Model", "Số serial", "IMEI", "Tình trạng"],
            ["Máy tính bảng", "Samsung", "Tab A7", "A-1", make_imei(1), "Mới"],
            ["Laptop", "Dell", "Vostro", "A-2", "", "Mới"],
        ]
    )
    client = client_for(province_official)
    response = client.post(
        reverse("devices:import"),
        {"device_source": purchase.pk, "file": SimpleUploadedFile("giao-nhan.xlsx", data)},
    )
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("devices:import_result", args=[batch.pk])
    assert batch.status == ImportBatch.Status.VALIDATED and batch.created == 2
    assert not Device.objects.exists()
    assert "Xác nhận nhập kho" in client.get(response["Location"]).content.decode()
    client.post(reverse("devices:import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert Device.objects.filter(source=purchase).count() == 2
    # A second confirmation does nothing.
    client.post(reverse("devices:import_confirm", args=[batch.pk]))
    assert Device.objects.count() == 2


def test_delivery_list_with_errors_cannot_be_confirmed(client_for, province_official, purchase):
    data = xlsx(
        [
            ["Loại thiết bị", "Hãng", "Model", "Số serial", "IMEI"],
            ["Máy tính bảng", "Samsung", "Tab A7", "A-1", "123"],
        ]
    )
    client = client_for(province_official)
    client.post(
        reverse("devices:import"),
        {"device_source": purchase.pk, "file": SimpleUploadedFile("x.xlsx", data)},
    )
    batch = ImportBatch.objects.get()
    page = client.get(reverse("devices:import_result", args=[batch.pk])).content.decode()
    assert "phải gồm đúng 15 chữ số" in page
    client.post(reverse("devices:import_confirm", args=[batch.pk]))
    assert not Device.objects.exists()


def test_not_a_spreadsheet_is_reported_on_the_form(client_for, province_official, purchase):
    response = client_for(province_official).post(
        reverse("devices:import"),
        {"device_source": purchase.pk, "file": SimpleUploadedFile("x.xlsx", b"%PDF-1.4 nope")},
    )
    assert response.status_code == 200
    assert "không phải là bảng tính" in response.content.decode()


def test_school_registers_a_subscription(client_for, school_staff, school):
    package = DataPackageFactory()
    pupil = StudentFactory(school=school)
    approve(pupil, "data")
    response = client_for(school_staff).post(
        reverse("devices:subscription_create"),
        {
            "student": pupil.pk,
            "carrier": package.carrier,
            "package": package.pk,
            "phone": "+84 912 345 678",
            "iccid": "8984 0400 0000 0000 001",
            "starts_on": "2026-11-01",
        },
    )
    subscription = Subscription.objects.get()
    assert response["Location"] == reverse("devices:subscription_detail", args=[subscription.pk])
    assert subscription.phone == "0912345678" and subscription.ends_on == dt.date(2027, 1, 31)


def test_problem_reported_and_resolved_through_pages(client_for, world, school_staff):
    subscription, problem = world["subscription"], world["problem"]
    client = client_for(school_staff)
    client.post(
        reverse("devices:problem_resolve", args=[problem.pk]), {"resolution": "Đổi SIM mới"}
    )
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE
    client.post(
        reverse("devices:subscription_problem", args=[subscription.pk]),
        {"kind": "sim_locked", "description": "Khóa 2 chiều"},
    )
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.PROBLEM


# -------------------------------------------------------------- handover PDF


def test_handover_pdf_names_pupil_device_and_motto(client_for, world, school_staff):
    allocation = world["allocation"]
    response = client_for(school_staff).get(reverse("devices:allocation_pdf", args=[allocation.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    flat = " ".join(text.split())
    assert "Giàng Thị Mai" in flat
    assert allocation.device.serial_number in flat
    assert allocation.device.imei in flat
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in flat
    assert "Độc lập - Tự do - Hạnh phúc" in flat
    assert "TẶNG" in flat
    assert allocation.student.household.guardian_name in flat


def test_handover_pdf_of_a_loan_states_its_end(client_for, school, school_staff, purchase):
    pupil = StudentFactory(school=school, full_name="Vàng A Dính")
    approve(pupil, "computer")
    laptop = DeviceFactory(
        device_type="laptop",
        imei=None,
        source=purchase,
        holder=Device.Holder.SCHOOL,
        school=school,
        district=school.district,
    )
    until = dt.date.today() + dt.timedelta(days=200)
    allocation = services.allocate_device(
        actor=school_staff, device=laptop, student=pupil, terms="loan", loan_until=until
    )
    response = client_for(school_staff).get(reverse("devices:allocation_pdf", args=[allocation.pk]))
    flat = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split()
    )
    assert "CHO MƯỢN" in flat and f"năm {until.year}" in flat
    assert "Vàng A Dính" in flat


# ---------------------------------------------------------------- exports


# (list, ?export=, its registered export; None: a fixed-size document, downloaded at once)
EXPORTS = [
    ("stock", "xlsx", "devices.devices"),
    ("stock", "summary", None),
    ("sources", "xlsx", "devices.sources"),
    ("transfers", "xlsx", "devices.transfers"),
    ("beneficiaries", "xlsx", "devices.waiting_devices"),
    ("beneficiaries", "data", "devices.waiting_data"),
    ("allocations", "xlsx", "devices.allocations"),
    ("subscriptions", "xlsx", "devices.subscriptions"),
    ("packages", "xlsx", None),
]


@pytest.mark.parametrize(("name", "kind", "key"), EXPORTS)
def test_every_list_exports_to_xlsx(client_for, world, district_officer, name, kind, key):
    from openpyxl import load_workbook

    client, url = client_for(district_officer), reverse(f"devices:{name}")
    if key:
        response = export_via_worker(client, url, {"export": kind}, key=key)
    else:
        response = client.get(url, {"export": kind})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row >= 3  # title, blank, header (+ rows)


def test_subscription_export_masks_phone(client_for, world, school_staff):
    from openpyxl import load_workbook

    response = export_via_worker(
        client_for(school_staff),
        reverse("devices:subscriptions"),
        {"export": "xlsx"},
        key="devices.subscriptions",
    )
    values = [c for row in load_workbook(io.BytesIO(response.content)).active.values for c in row]
    phone = world["subscription"].phone
    assert phone not in values and "••••••" + phone[-4:] in values


# ------------------------------------------------------------- query counts


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _grow(school, district, purchase, school_staff, n):
    for _ in range(n):
        DeviceFactory(
            source=purchase, holder=Device.Holder.SCHOOL, school=school, district=district
        )
        pupil = StudentFactory(school=school)
        approve(pupil, "tablet")
        approve(pupil, "data")
        device = DeviceFactory(
            source=purchase, holder=Device.Holder.SCHOOL, school=school, district=district
        )
        services.allocate_device(actor=school_staff, device=device, student=pupil)
        SubscriptionFactory(
            student=pupil,
            proposal_item=pupil.proposal_items.get(kind="data"),
            created_by=school_staff,
            status="active",
        )
        services.create_transfer(
            actor=UserFactory(
                username=f"so{DeviceFactory._meta.model.objects.count()}",
                role=role("province_officer"),
                province=district.province,
            ),
            devices=[DeviceFactory(source=purchase)],
            to_district=district,
        )


LISTS = [
    "stock",
    "sources",
    "transfers",
    "beneficiaries",
    "allocations",
    "subscriptions",
    "packages",
]


@pytest.mark.parametrize("who", ["school_staff", "district_officer", "province_official"])
def test_list_pages_make_a_fixed_number_of_queries(
    request, client, world, school, district, purchase, school_staff, who
):
    """Each list page costs the same number of queries for 1 or 5 rows of everything."""
    client.force_login(request.getfixturevalue(who))
    urls = [reverse(f"devices:{name}") for name in LISTS]
    small = [_queries(client, url) for url in urls]
    _grow(school, district, purchase, school_staff, 4)
    assert [_queries(client, url) for url in urls] == small
    assert max(small) <= 12


def test_device_write_off_through_the_page(client_for, world, school_staff):
    device = world["spare"]
    client = client_for(school_staff)
    assert (
        "Thanh lý thiết bị"
        in client.get(reverse("devices:device_detail", args=[device.pk])).content.decode()
    )
    client.post(reverse("devices:device_write_off", args=[device.pk]), {"reason": "Rơi vỡ"})
    device.refresh_from_db()
    assert device.status == Device.Status.WRITTEN_OFF


def test_pupil_page_include_lists_devices_and_packages(world, rf, school_staff):
    from django.template import Context, Template

    html = Template("{% load devices_tags %}{% student_devices student %}").render(
        Context({"student": world["allocation"].student, "user": school_staff})
    )
    assert world["device"].serial_number in html
    assert world["subscription"].package.name in html


def test_the_no_signal_warning_is_on_the_form_before_saving_once(client_for, school_staff, school):
    from unittest import mock

    package = DataPackageFactory()
    pupil = StudentFactory(school=school, full_name="Thào Seo Lử")
    approve(pupil, "data")
    client = client_for(school_staff)
    data = {
        "student": pupil.pk,
        "carrier": package.carrier,
        "package": package.pk,
        "phone": "0912345678",
        "starts_on": "2026-11-01",
    }
    url = reverse("devices:subscription_create")
    with mock.patch("devices.selectors.home_signal", return_value="no_signal"):
        # Chosen in the select without a preselecting link: the first post shows the
        # warning and the box to acknowledge it, and saves nothing.
        first = client.post(url, data)
        assert first.status_code == 200
        assert first.content.decode().count("thôn trắng sóng") == 1
        assert 'name="confirm_signal"' in first.content.decode()
        assert not Subscription.objects.exists()
        # A link that preselects the pupil shows it at once.
        form = client.get(url, {"student": pupil.pk}).content.decode()
        assert form.count("thôn trắng sóng") == 1 and 'name="confirm_signal"' in form
        response = client.post(url, {**data, "confirm_signal": "on"}, follow=True)
    page = response.content.decode()
    assert "Đã đăng ký gói cước" in page
    assert "thôn trắng sóng" not in page  # not repeated after saving
    event = AuditEvent.objects.get(action="subscription.create")
    assert event.changes["signal_acknowledged"] is True


def test_no_warning_when_signal_is_unknown_or_covered(school):
    from unittest import mock

    from devices.selectors import signal_warning

    pupil = StudentFactory(school=school)
    for status in ("covered", "unknown"):
        with mock.patch("devices.selectors.home_signal", return_value=status):
            assert signal_warning(pupil) == ""


def test_province_sends_a_quantity_of_one_type(client_for, province_official, district, purchase):
    tablets = [DeviceFactory(source=purchase) for _ in range(3)]
    DeviceFactory(source=purchase, device_type="laptop", imei=None)
    client = client_for(province_official)
    too_many = client.post(
        reverse("devices:transfer_create"),
        {"to_district": district.pk, "device_type": "tablet", "quantity": 4},
    )
    assert "Kho chỉ còn 3 thiết bị loại này" in too_many.content.decode()
    client.post(
        reverse("devices:transfer_create"),
        {"to_district": district.pk, "device_type": "tablet", "quantity": 2},
    )
    transfer = StockTransfer.objects.get()
    assert sorted(d.pk for d in transfer.devices.all()) == [t.pk for t in tablets[:2]]


def test_error_copy_of_a_delivery_list(client_for, province_official, school_staff, purchase):
    from openpyxl import load_workbook

    data = xlsx(
        [
            ["Loại thiết bị", "Hãng", "Model", "Số serial", "IMEI"],
            ["Máy tính bảng", "Samsung", "Tab A7", "A-1", "123"],
        ]
    )
    client = client_for(province_official)
    client.post(
        reverse("devices:import"),
        {"device_source": purchase.pk, "file": SimpleUploadedFile("giao.xlsx", data)},
    )
    batch = ImportBatch.objects.get()
    response = client.get(reverse("devices:import_errors", args=[batch.pk]))
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0][-1] == "Lỗi" and "IMEI: phải gồm đúng 15 chữ số" in rows[1][-1]
    assert (
        client_for(school_staff).get(reverse("devices:import_errors", args=[batch.pk])).status_code
        == 404
    )


def test_carrier_status_file_through_the_pages(client_for, world, district_officer):
    subscription = world["subscription"]
    data = xlsx([["Số thuê bao", "Trạng thái"], [subscription.phone, "Tạm ngưng"]])
    client = client_for(district_officer)
    response = client.post(
        reverse("devices:status_import"), {"file": SimpleUploadedFile("vnpt.xlsx", data)}
    )
    batch = ImportBatch.objects.get(kind=ImportBatch.Kind.SUBSCRIPTIONS)
    assert response["Location"] == reverse("devices:status_import_result", args=[batch.pk])
    assert batch.updated == 1 and batch.error_count == 0
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.PROBLEM  # dry run wrote nothing
    client.post(reverse("devices:status_import_confirm", args=[batch.pk]))
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.SUSPENDED


def test_delivery_list_with_a_far_cell_is_refused_on_the_form(
    client_for, province_official, purchase
):
    from tests.schools.test_safe_read import far_cell_workbook

    response = client_for(province_official).post(
        reverse("devices:import"),
        {"device_source": purchase.pk, "file": SimpleUploadedFile("x.xlsx", far_cell_workbook())},
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["file"])
    assert "ô XFD1048576" in errors and "200 cột" in errors
    assert ImportBatch.objects.get().created == 0
    assert not Device.objects.exists()


def test_carrier_status_file_with_a_far_cell_is_refused_on_the_form(client_for, district_officer):
    from tests.schools.test_safe_read import far_cell_workbook

    response = client_for(district_officer).post(
        reverse("devices:status_import"),
        {"file": SimpleUploadedFile("vnpt.xlsx", far_cell_workbook())},
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["file"])
    assert "ô XFD1048576" in errors and "200 cột" in errors
    assert ImportBatch.objects.get().created == 0
