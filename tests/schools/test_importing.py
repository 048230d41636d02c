import datetime as dt
import os
from pathlib import Path

import pytest
from django.conf import settings

if not os.environ.get("DJANGO_SETTINGS_MODULE") and not settings.configured:
    # Pure-Python tests: gettext only needs USE_I18N when run without pytest-django.
    settings.configure(USE_I18N=False)

from kernel.importing import DuplicateTracker, ImportReport, RowError, RowValidator  # noqa: E402
from kernel.normalize import normalize_phone, parse_birth_date  # noqa: E402
from kernel.spreadsheets import ColumnSpec, locate_table, read_rows  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[1] / "students" / "data" / "danh-sach-hoc-sinh-mau.xlsx"

TODAY = dt.date(2021, 9, 15)


def birth_date(value):
    return parse_birth_date(value, today=TODAY)


def test_row_error_str_and_dict():
    error = RowError(
        row=13, column="Ngày sinh", field="date_of_birth", message="ngày không tồn tại"
    )
    assert str(error) == "Dòng 13, Ngày sinh: ngày không tồn tại"
    assert error.as_dict() == {
        "row": 13,
        "column": "Ngày sinh",
        "field": "date_of_birth",
        "message": "ngày không tồn tại",
    }
    assert str(RowError(34, "", "", "trùng với dòng 28")) == "Dòng 34: trùng với dòng 28"


def test_row_error_is_immutable_and_hashable():
    error = RowError(1, "A", "a", "x")
    with pytest.raises(AttributeError):
        error.row = 2  # type: ignore[misc]
    assert len({error, RowError(1, "A", "a", "x")}) == 1


def test_import_report_as_dict_has_exact_keys():
    report = ImportReport(rows=3, created=2)
    assert report.ok
    report.errors.append(RowError(5, "Họ và tên", "full_name", "bắt buộc"))
    assert not report.ok
    data = report.as_dict()
    assert list(data) == ["rows", "created", "updated", "unchanged", "errors"]
    assert data["errors"] == [
        {"row": 5, "column": "Họ và tên", "field": "full_name", "message": "bắt buộc"}
    ]


def test_import_report_error_rows_and_errors_by_row():
    report = ImportReport(
        rows=10,
        errors=[
            RowError(30, "Số điện thoại", "phone", "số điện thoại không hợp lệ"),
            RowError(13, "Ngày sinh", "date_of_birth", "ngày không tồn tại"),
            RowError(30, "", "", "trùng với dòng 28"),
        ],
    )
    assert report.error_rows() == [13, 30]
    assert report.errors_by_row() == {
        13: ["Ngày sinh: ngày không tồn tại"],
        30: ["Số điện thoại: số điện thoại không hợp lệ", "trùng với dòng 28"],
    }


def test_reports_do_not_share_error_lists():
    first, second = ImportReport(rows=0), ImportReport(rows=0)
    first.errors.append(RowError(1, "", "", "x"))
    assert second.errors == []


def test_row_validator_applies_normaliser_and_records_errors_with_header_text():
    errors: list[RowError] = []
    v = RowValidator(
        13,
        {"date_of_birth": "30/02/2012", "phone": "0912 345 678", "full_name": ""},
        labels={"date_of_birth": "Ngày sinh", "phone": "SĐT", "full_name": "Họ và tên"},
        errors=errors,
    )
    assert v.field("date_of_birth", birth_date) is None
    assert v.field("phone", normalize_phone) == "0912345678"
    assert v.field("full_name", required=True) is None
    assert not v.ok
    assert [str(e) for e in errors] == [
        "Dòng 13, Ngày sinh: ngày không tồn tại",
        "Dòng 13, Họ và tên: bắt buộc",
    ]
    assert errors[0].field == "date_of_birth"
    assert v.cleaned == {"phone": "0912345678"}


def test_row_validator_blank_optional_gives_default_without_calling_normaliser():
    v = RowValidator(2, {"phone": "  "})
    assert v.field("phone", normalize_phone, default="") == ""
    assert v.field("absent_column", normalize_phone) is None
    assert v.ok


def test_row_validator_without_fn_returns_clean_text():
    v = RowValidator(2, {"full_name": "  Giàng\u00a0Seo  Phủ "})
    assert v.field("full_name", required=True) == "Giàng Seo Phủ"


def test_row_validator_ok_is_per_row_with_shared_error_list():
    report = ImportReport(rows=2)
    bad = RowValidator(3, {"phone": "0123"}, errors=report.errors)
    bad.field("phone", normalize_phone)
    good = RowValidator(4, {"phone": "0912345678"}, errors=report.errors)
    good.field("phone", normalize_phone)
    assert not bad.ok
    assert good.ok
    assert good.row_errors == []
    assert report.errors[0].column == "phone"  # falls back to the field name


def test_row_validator_custom_and_duplicate_errors():
    v = RowValidator(25, {"household_type": "Hộ trung bình"}, labels={"household_type": "Diện hộ"})
    v.error("household_type", "không thuộc danh mục")
    v.duplicate_of(28)
    assert [str(e) for e in v.errors] == [
        "Dòng 25, Diện hộ: không thuộc danh mục",
        "Dòng 25: trùng với dòng 28",
    ]


def test_duplicate_tracker_returns_first_row():
    seen = DuplicateTracker()
    assert seen.seen("8364507495", 28) is None
    assert seen.seen("0308246281", 29) is None
    assert seen.seen("8364507495", 34) == 28
    assert seen.seen("8364507495", 40) == 28
    assert seen.seen(("ly thi chi", dt.date(2007, 10, 7)), 41) is None
    assert seen.seen(("ly thi chi", dt.date(2007, 10, 7)), 42) == 41
    assert len(seen) == 3


@pytest.mark.parametrize("key", [None, "", ("", None)])
def test_duplicate_tracker_ignores_blank_keys(key):
    seen = DuplicateTracker()
    assert seen.seen(key, 1) is None
    assert seen.seen(key, 2) is None


def test_sample_file_dry_run_flags_date_name_phone_and_duplicate_rows():
    """End to end on the shared sample with the shared machinery (no database)."""
    columns = [
        ColumnSpec("full_name", "Họ và tên", ("họ tên",), True),
        ColumnSpec("date_of_birth", "Ngày sinh", (), True),
        ColumnSpec("pupil_code", "Mã định danh", (), False),
        ColumnSpec("phone", "Số điện thoại", (), False),
    ]
    table = locate_table(read_rows(SAMPLE), columns)
    report = ImportReport(rows=0)
    seen = DuplicateTracker()
    labels = table.field_labels()
    for row, values in table.data_rows():
        report.rows += 1
        v = RowValidator(row, values, labels=labels, errors=report.errors)
        v.field("full_name", required=True)
        v.field("date_of_birth", birth_date, required=True)
        v.field("phone", normalize_phone)
        first = seen.seen(v.field("pupil_code"), row)
        if first is not None:
            v.duplicate_of(first)
    assert report.rows == 30
    assert [str(e) for e in report.errors] == [
        "Dòng 13, Ngày sinh: ngày không tồn tại",
        "Dòng 18, Họ và tên: bắt buộc",
        "Dòng 30, Số điện thoại: số điện thoại không hợp lệ",
        "Dòng 34: trùng với dòng 28",
    ]
