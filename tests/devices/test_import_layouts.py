"""Device delivery lists and carrier status files as they really come: hidden rows, several sheets."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from devices.importers import import_carrier_statuses, import_device_list, parse_device_list
from devices.models import Device, Subscription
from schools.models import ImportBatch
from tests.devices.factories import (
    DataPackageFactory,
    StudentFactory,
    SubscriptionFactory,
    approve,
    make_imei,
)

pytestmark = pytest.mark.django_db

HEADER = ["STT", "Loại thiết bị", "Hãng", "Model", "Số serial", "IMEI", "Tình trạng"]


def workbook(sheets: dict[str, list[list]], hidden: dict[str, set[int]] | None = None) -> bytes:
    """One worksheet per entry, rows from row 1; ``hidden`` Excel rows per sheet."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for number in (hidden or {}).get(title, ()):
            sheet.row_dimensions[number].hidden = True
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def delivery_two_lots() -> bytes:
    return workbook(
        {
            "Lô 1": [
                ["DANH SÁCH THIẾT BỊ BÀN GIAO - LÔ 1"],
                HEADER,
                [1, "Máy tính bảng", "Samsung", "Tab A7", "S-1", make_imei(1), "Mới"],
                [2, "Máy tính bảng", "Samsung", "Tab A7", "S-2", make_imei(2), "Mới"],
                [3, "Máy tính bảng", "Samsung", "Tab A7", "S-3", make_imei(3), "Mới"],
                [4, "Máy tính bảng", "Samsung", "Tab A7", "S-4", make_imei(4), "Mới"],
                [5, "Laptop", "Dell", "Vostro 3400", "D-5", "", "Tân trang"],
            ],
            "Lô 2": [
                HEADER,
                [1, "Laptop", "Lenovo", "V14", "L-1", "", "Đã qua sử dụng"],
                [2, "Máy tính bảng", "Lenovo", "Tab M8", "L-2", make_imei(12), "Mới"],
            ],
            "Ghi chú": [["Biên bản kèm theo"], ["Người giao: Nguyễn Văn A"]],
        },
        hidden={"Lô 1": {4, 5}},
    )


def test_delivery_list_reads_every_lot_and_skips_hidden_rows_with_a_notice(province_official):
    report, rows = parse_device_list(delivery_two_lots())

    assert report.ok, report.errors
    assert [
        (str(r.row), r.device_type, r.make, r.model_name, r.serial_number, r.imei, r.condition)
        for r in rows
    ] == [
        ("Sheet Lô 1, dòng 3", "tablet", "Samsung", "Tab A7", "S-1", make_imei(1), "new"),
        ("Sheet Lô 1, dòng 6", "tablet", "Samsung", "Tab A7", "S-4", make_imei(4), "new"),
        ("Sheet Lô 1, dòng 7", "laptop", "Dell", "Vostro 3400", "D-5", None, "refurbished"),
        ("Sheet Lô 2, dòng 2", "laptop", "Lenovo", "V14", "L-1", None, "used_good"),
        ("Sheet Lô 2, dòng 3", "tablet", "Lenovo", "Tab M8", "L-2", make_imei(12), "new"),
    ]
    assert (report.rows, report.created) == (5, 5)
    assert report.notices == [
        "Đã đọc 2 sheet: Lô 1, Lô 2. Bỏ qua sheet không phải danh sách: Ghi chú.",
        "Sheet Lô 1: Dòng 4–5 bị ẩn, không nhập.",
    ]


def test_delivery_import_writes_exactly_the_visible_rows(province_official, purchase):
    report = import_device_list(
        actor=province_official, source=delivery_two_lots(), device_source=purchase, dry_run=False
    )

    assert report.ok and report.created == 5
    stored = {
        d.serial_number: (d.device_type, d.make, d.model_name, d.imei, d.condition, d.source_id)
        for d in Device.objects.all()
    }
    assert stored == {
        "S-1": ("tablet", "Samsung", "Tab A7", make_imei(1), "new", purchase.pk),
        "S-4": ("tablet", "Samsung", "Tab A7", make_imei(4), "new", purchase.pk),
        "D-5": ("laptop", "Dell", "Vostro 3400", None, "refurbished", purchase.pk),
        "L-1": ("laptop", "Lenovo", "V14", None, "used_good", purchase.pk),
        "L-2": ("tablet", "Lenovo", "Tab M8", make_imei(12), "new", purchase.pk),
    }


def test_a_serial_repeated_on_another_sheet_names_the_sheet_and_row(province_official):
    data = workbook(
        {
            "Lô 1": [HEADER, [1, "Laptop", "Dell", "Vostro", "D-1", "", "Mới"]],
            "Lô 2": [HEADER, [1, "Laptop", "Dell", "Vostro", "D-1", "", "Mới"]],
        }
    )

    report, rows = parse_device_list(data)

    assert [str(e) for e in report.errors] == [
        "Sheet Lô 2, dòng 2, Số serial: trùng với Sheet Lô 1, dòng 2"
    ]
    assert not Device.objects.exists()


def test_the_result_page_shows_the_hidden_rows(client_for, province_official, purchase):
    client = client_for(province_official)
    data = workbook(
        {
            "DS": [
                HEADER,
                *[[n, "Laptop", "Dell", "Vostro", f"D-{n}", "", "Mới"] for n in range(1, 6)],
            ]
        },
        hidden={"DS": {3}},
    )

    response = client.post(
        reverse("devices:import"),
        {"device_source": purchase.pk, "file": SimpleUploadedFile("giao-nhan.xlsx", data)},
    )

    batch = ImportBatch.objects.get()
    assert batch.rows == 4 and batch.options["reading"] == ["Dòng 3 bị ẩn, không nhập."]
    page = client.get(response["Location"]).content.decode()
    assert "Dòng 3 bị ẩn, không nhập." in page


# ------------------------------------------------------------ carrier status file


TODAY = dt.datetime(2026, 11, 25, 7, 0, tzinfo=dt.UTC)


@pytest.fixture
def subs(school_staff, school):
    package = DataPackageFactory(carrier="vnpt", name="EDU4G", free_months=3)
    made = []
    for n in range(4):
        pupil = StudentFactory(school=school)
        made.append(
            SubscriptionFactory(
                student=pupil,
                proposal_item=approve(pupil, "data"),
                package=package,
                phone=f"09120000{n:02d}",
                iccid=f"89840400000000000{n:02d}",
                created_by=school_staff,
                starts_on=dt.date(2026, 11, 1),
                ends_on=dt.date(2027, 1, 31),
            )
        )
    return made


@time_machine.travel(TODAY)
def test_carrier_file_over_two_sheets_with_a_hidden_row(district_officer, subs):
    header = ["STT", "Số thuê bao", "ICCID", "Trạng thái", "Ngày kích hoạt"]
    data = workbook(
        {
            "Tháng 11": [
                header,
                [1, "0912000000", "", "Hoạt động", "20/11/2026"],
                [2, "0912000001", "", "Tạm ngưng", ""],  # hidden: not on the signed list
            ],
            "Bổ sung": [header, [1, "", "8984040000000000002", "Hoạt động", "21/11/2026"]],
        },
        hidden={"Tháng 11": {3}},
    )

    dry = import_carrier_statuses(actor=district_officer, source=data, dry_run=True)

    assert dry.ok, dry.errors
    assert (dry.rows, dry.updated) == (2, 2)
    assert dry.notices == [
        "Đã đọc 2 sheet: Tháng 11, Bổ sung.",
        "Sheet Tháng 11: Dòng 3 bị ẩn, không nhập.",
    ]
    import_carrier_statuses(actor=district_officer, source=data, dry_run=False)
    found = [Subscription.objects.get(pk=s.pk) for s in subs]
    assert [(s.status, s.starts_on) for s in found] == [
        ("active", dt.date(2026, 11, 20)),
        ("requested", dt.date(2026, 11, 1)),
        ("active", dt.date(2026, 11, 21)),
        ("requested", dt.date(2026, 11, 1)),
    ]
