"""Coverage surveys as they really come: rows hidden in Excel, one sheet per district."""

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import Workbook

from coverage.importers import import_survey
from coverage.models import CoveragePoint
from schools.models import ImportBatch
from tests.coverage.test_importers import HEADER, good_rows, places  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def survey(sheets: dict[str, list[list] | None], hidden: dict[str, set[int]]) -> bytes:
    """Each sheet: title on row 1, header on row 2, data from row 3 (None: not a survey)."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        if rows is None:
            sheet.append(["Tổng số điểm đã khảo sát", 3])
            continue
        sheet.append(["KẾT QUẢ KHẢO SÁT SÓNG DI ĐỘNG"])
        sheet.append(HEADER)
        for number, row in enumerate(rows, start=1):
            sheet.append([number, *row])
        for excel_row in hidden.get(title, ()):
            sheet.row_dimensions[excel_row].hidden = True
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@time_machine.travel(dt.date(2021, 11, 1))
def test_hidden_rows_are_not_imported_and_every_survey_sheet_is(places, coverage_officer):  # noqa: F811
    school_row, site_row, village_row = good_rows()
    data = survey(
        {"Trường": [school_row, site_row], "Thôn bản": [village_row], "Tổng hợp": None},
        hidden={"Trường": {4}},  # the school site row
    )

    dry = import_survey(actor=coverage_officer, source=data, dry_run=True)

    assert dry.ok, dry.errors
    assert (dry.rows, dry.created) == (2, 2)
    assert dry.notices == [
        "Đã đọc 2 sheet: Trường, Thôn bản. Bỏ qua sheet không phải danh sách: Tổng hợp.",
        "Sheet Trường: Dòng 4 bị ẩn, không nhập.",
    ]
    import_survey(actor=coverage_officer, source=data, dry_run=False)
    points = {
        p.kind: (p.school_id, p.site_id, p.village_id, p.name, p.best_technology)
        for p in CoveragePoint.objects.all()
    }
    site = places["site"]
    assert points == {
        "school": (places["school"].pk, None, None, places["school"].name, 4),
        "village": (None, None, places["village"].pk, "Trung tâm thôn Khuổi Phường", 0),
        # The site is a point since it exists; its hidden row measured nothing.
        "site": (None, site.pk, site.village_id, site.name, None),
    }


@time_machine.travel(dt.date(2021, 11, 1))
def test_an_error_on_a_later_sheet_names_the_sheet(places, coverage_officer):  # noqa: F811
    school_row, _site_row, village_row = good_rows()
    broken = [*village_row]
    broken[12] = "31/02/2021"  # "Ngày đo"
    data = survey({"Trường": [school_row], "Thôn bản": [broken]}, hidden={})

    report = import_survey(actor=coverage_officer, source=data, dry_run=False)

    assert [str(e.row) for e in report.errors] == ["Sheet Thôn bản, dòng 3"]
    assert report.errors[0].column == "Ngày đo"
    # Only the points the school and its site have since they exist, none measured.
    assert not CoveragePoint.objects.exclude(kind__in=("school", "site")).exists()
    assert not CoveragePoint.objects.filter(best_technology__isnull=False).exists()


def test_the_batch_page_shows_the_notices(client_for, places, coverage_officer):  # noqa: F811
    from coverage import services

    school_row, site_row, _village_row = good_rows()
    upload = io.BytesIO(survey({"DS": [school_row, site_row]}, hidden={"DS": {3, 4}}))
    upload.name = "khao-sat.xlsx"

    batch = services.upload_survey(actor=coverage_officer, upload=upload)

    batch = ImportBatch.objects.get(pk=batch.pk)
    assert batch.options["reading"] == ["Dòng 3–4 bị ẩn, không nhập."]
    page = (
        client_for(coverage_officer)
        .get(reverse("coverage:import_detail", args=[batch.pk]))
        .content.decode()
    )
    assert "Dòng 3–4 bị ẩn, không nhập." in page
