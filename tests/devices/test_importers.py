import pytest
from django.http import Http404

from accounts.models import AuditEvent
from devices.importers import import_device_list, parse_device_list
from devices.models import Device
from kernel.spreadsheets import SpreadsheetError
from tests.devices.conftest import xlsx
from tests.devices.factories import DeviceFactory, make_imei

HEADER = ["STT", "Loại thiết bị", "Hãng", "Model", "Số serial", "IMEI", "Tình trạng"]
GOOD_IMEI_1 = make_imei(101)
GOOD_IMEI_2 = make_imei(102)


def delivery(*rows):
    return xlsx([HEADER, *rows], title="DANH SÁCH THIẾT BỊ BÀN GIAO")


pytestmark = pytest.mark.django_db


def test_luhn_helper_makes_valid_imeis():
    from devices.validators import luhn_ok

    assert luhn_ok("490154203237518")
    assert not luhn_ok("490154203237519")
    assert luhn_ok(GOOD_IMEI_1)


def test_dry_run_reports_rows_and_writes_nothing(province_official, purchase):
    data = delivery(
        [1, "Máy tính bảng", "Samsung", "Tab A7 Lite", "r9xt 0001", GOOD_IMEI_1, "Mới"],
        [2, "Laptop", "Dell", "Vostro 3400", "DL-0002", "", "đã qua sử dụng"],
    )
    report = import_device_list(
        actor=province_official, source=data, device_source=purchase, dry_run=True
    )
    assert report.ok, report.errors
    assert (report.rows, report.created) == (2, 2)
    assert Device.objects.count() == 0


def test_confirm_creates_devices_in_province_stock_with_source(province_official, purchase):
    data = delivery(
        [1, "Máy tính bảng", "Samsung", "Tab A7 Lite", "r9xt 0001", GOOD_IMEI_1, "Mới"],
        [2, "MTXT", "Dell", "Vostro 3400", "DL-0002", "", "Tân trang"],
    )
    report = import_device_list(
        actor=province_official, source=data, device_source=purchase, dry_run=False
    )
    assert report.ok and report.created == 2
    tablet = Device.objects.get(serial_number="R9XT0001")
    assert tablet.imei == GOOD_IMEI_1
    assert tablet.device_type == "tablet"
    assert tablet.holder == Device.Holder.PROVINCE and tablet.status == Device.Status.IN_STOCK
    assert tablet.source == purchase
    laptop = Device.objects.get(serial_number="DL-0002")
    assert laptop.imei is None and laptop.condition == Device.Condition.REFURBISHED
    assert AuditEvent.objects.filter(action="device.receive").count() == 2


def test_synonym_headers_are_recognised(province_official, purchase):
    data = xlsx(
        [
            ["Chủng loại", "Hãng sản xuất", "Dòng máy", "Số seri", "Số IMEI", "Hiện trạng"],
            ["tablet", "Lenovo", "Tab M8", "HGX001", GOOD_IMEI_1, "new"],
        ]
    )
    report, rows = parse_device_list(data)
    assert report.ok, report.errors
    assert rows[0].serial_number == "HGX001" and rows[0].make == "Lenovo"


def test_imei_failing_luhn_is_a_row_error_and_nothing_is_written(province_official, purchase):
    bad = GOOD_IMEI_1[:-1] + str((int(GOOD_IMEI_1[-1]) + 1) % 10)
    data = delivery(
        [1, "Máy tính bảng", "Samsung", "Tab A7", "S1", GOOD_IMEI_2, "Mới"],
        [2, "Máy tính bảng", "Samsung", "Tab A7", "S2", bad, "Mới"],
    )
    report = import_device_list(
        actor=province_official, source=data, device_source=purchase, dry_run=False
    )
    assert not report.ok
    assert [str(e) for e in report.errors] == [
        "Dòng 5, IMEI: IMEI không hợp lệ (sai chữ số kiểm tra Luhn)"
    ]
    assert Device.objects.count() == 0


def test_tablet_without_imei_and_unknown_type_are_errors(province_official, purchase):
    data = delivery(
        [1, "Máy tính bảng", "Samsung", "Tab A7", "S1", "", "Mới"],
        [2, "Máy chiếu", "Epson", "X1", "S2", "", "Mới"],
        [3, "Laptop", "Dell", "X", "S3", "", "Tuyệt vời"],
    )
    report, _rows = parse_device_list(data)
    messages = [str(e) for e in report.errors]
    assert "Dòng 4, IMEI: bắt buộc" in messages
    assert any(m.startswith("Dòng 5, Loại thiết bị: không thuộc danh mục") for m in messages)
    assert any(m.startswith("Dòng 6, Tình trạng: không thuộc danh mục") for m in messages)


def test_duplicate_serial_and_imei_in_file_point_to_first_row(province_official, purchase):
    data = delivery(
        [1, "Máy tính bảng", "Samsung", "Tab A7", "S1", GOOD_IMEI_1, "Mới"],
        [2, "Máy tính bảng", "Samsung", "Tab A7", "s1", GOOD_IMEI_2, "Mới"],
        [3, "Máy tính bảng", "Samsung", "Tab A7", "S3", GOOD_IMEI_1, "Mới"],
    )
    report = import_device_list(
        actor=province_official, source=data, device_source=purchase, dry_run=False
    )
    assert [str(e) for e in report.errors] == [
        "Dòng 5, Số serial: trùng với dòng 4",
        "Dòng 6, IMEI: trùng với dòng 4",
    ]
    assert Device.objects.count() == 0


def test_serial_or_imei_already_in_stock_is_an_error(province_official, purchase):
    DeviceFactory(serial_number="S1", imei=GOOD_IMEI_2, source=purchase)
    data = delivery(
        [1, "Máy tính bảng", "Samsung", "Tab A7", "S1", GOOD_IMEI_1, "Mới"],
        [2, "Máy tính bảng", "Samsung", "Tab A7", "S2", GOOD_IMEI_2, "Mới"],
    )
    report = import_device_list(
        actor=province_official, source=data, device_source=purchase, dry_run=False
    )
    assert [str(e) for e in report.errors] == [
        "Dòng 4, Số serial: số serial S1 đã có trong kho",
        f"Dòng 5, IMEI: IMEI {GOOD_IMEI_2} đã có trong kho",
    ]
    assert Device.objects.count() == 1


def test_missing_required_column_raises_spreadsheet_error(province_official, purchase):
    data = xlsx([["Loại thiết bị", "Hãng", "Model"], ["Laptop", "Dell", "X"]])
    with pytest.raises(SpreadsheetError) as exc:
        parse_device_list(data)
    assert "Số serial" in exc.value.message


def test_school_staff_cannot_import(school_staff, purchase):
    data = delivery([1, "Laptop", "Dell", "X", "S3", "", "Mới"])
    with pytest.raises(Http404):
        import_device_list(actor=school_staff, source=data, device_source=purchase, dry_run=True)


def _laptops(n):
    return [[i, "Laptop", "Dell", "Vostro 3400", f"DL-{i:04d}", "", "Mới"] for i in range(1, n + 1)]


def test_row_limit_counts_the_data_rows_below_the_header_exactly(
    province_official, purchase, monkeypatch
):
    """At a limit of 5, five rows pass and six are refused, naming the sixth's row, although
    every one of them is near the top of the sheet (the reader's own cap skips that area)."""
    monkeypatch.setattr("devices.importers.MAX_ROWS", 5)
    report = import_device_list(
        actor=province_official, source=delivery(*_laptops(5)), device_source=purchase,
        dry_run=True,
    )  # fmt: skip
    assert report.ok, report.errors
    assert report.rows == 5
    with pytest.raises(SpreadsheetError) as refused:
        import_device_list(
            actor=province_official,
            source=delivery(*_laptops(6)),
            device_source=purchase,
            dry_run=False,
        )
    # Title, blank, header: the sixth laptop is Excel row 9.
    assert "tối đa 5 dòng dữ liệu" in str(refused.value)
    assert "dòng 9 đã là dòng dữ liệu thứ 6" in str(refused.value)
    assert Device.objects.count() == 0
