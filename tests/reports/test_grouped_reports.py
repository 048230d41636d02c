"""The weekly report across the reform (issue 16): a period before 1 July 2025 is tabled
by the districts and their Phòng GD&ĐT as they were, and rebuilt after the reform gives
the same files; a period since is tabled by today's communes, with the same totals."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from pypdf import PdfReader

from reports import documents, services
from reports.models import ProgressReport
from reports.selectors import COUNT_FIELDS, Level, build_dashboard
from schools import grouping
from schools.unit_loading import load_offices
from tests.reports.conftest import pupil
from tests.reports.factories import OutreachFactory
from tests.reports.test_grouping import build_reform

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = dt.datetime(2021, 10, 11, 7, 0, tzinfo=VN)
ISSUED = dt.datetime(2021, 10, 11, 8, 0, tzinfo=VN)
LATER = dt.datetime(2026, 3, 2, 7, 0, tzinfo=VN)


def files(report: ProgressReport, figures: dict) -> tuple[bytes, bytes]:
    """Both files of ``figures``, built at one fixed instant (their metadata carry it)."""
    with time_machine.travel(ISSUED, tick=False):
        issued = ISSUED.date()
        return (
            documents.build_xlsx(figures, number=report.number, issued_on=issued),
            documents.build_pdf(figures, number=report.number, issued_on=issued),
        )


def cells(xlsx: bytes) -> list[list[object]]:
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    return [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book]


def text(pdf: bytes) -> str:
    """The PDF's words, one space apart (table cells wrap their lines)."""
    pages = (page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(" ".join(pages).split())


@pytest.fixture
def offices(known):
    load_offices()


def test_report_before_the_reform_is_rebuilt_identically_after_it(
    offices, known, categories, province, district, school, other_school, far_school
):
    with time_machine.travel(MONDAY, tick=False):
        report = services.generate_report(dt.date(2021, 10, 4), dt.date(2021, 10, 10))
    first = report.figures
    xlsx, pdf = files(report, first)
    assert first["grouping"] == grouping.OLD
    assert [d.get("body") for d in first["districts"]] == [
        "Phòng GD&ĐT huyện Si Ma Cai",
        "Phòng GD&ĐT huyện Bảo Yên",
    ]
    assert "Phòng GD&ĐT huyện Bảo Yên" in text(pdf)
    assert "II. SỐ LIỆU THEO ĐƠN VỊ CẤP HUYỆN" in text(pdf)

    # The reform: today's communes, the crosswalk, a placement, the commune committees;
    # and work since (a pupil registered in 2026, an outreach activity).
    with time_machine.travel(LATER, tick=False):
        build_reform(categories.poor, province, district, school, other_school, far_school)
        load_offices()
        pupil(school, categories.poor)
        OutreachFactory(school=school, held_on=LATER.date())
        again = services.compute_figures(ProgressReport.objects.get(pk=report.pk))
    assert again == first
    xlsx_again, pdf_again = files(report, again)
    assert cells(xlsx_again) == cells(xlsx)
    assert text(pdf_again) == text(pdf)
    assert pdf_again == pdf  # byte for byte (the workbook's zip carries its write time)


def test_report_since_the_reform_is_tabled_by_todays_communes(
    offices, known, categories, province, district, school, other_school, far_school
):
    reform = build_reform(categories.poor, province, district, school, other_school, far_school)
    load_offices()
    OutreachFactory(school=school, held_on=dt.date(2026, 2, 24))
    report = services.generate_report(
        dt.date(2026, 2, 23), dt.date(2026, 3, 1), province_id=reform.new.pk
    )
    figures = report.figures
    assert figures["grouping"] == grouping.CURRENT
    rows = {d["name"]: d for d in figures["districts"]}
    assert rows["Xã Bảo Yên"]["body"] == "UBND xã Bảo Yên"
    # The same totals as the districts of the time, on the same day.
    old = build_dashboard(level=Level.PROVINCE, province_id=reform.ids, as_of=dt.date(2026, 3, 1))
    for name in COUNT_FIELDS:
        assert figures["totals"][name] == getattr(old.totals, name), name
    assert sum(d["needy"] for d in figures["districts"]) == old.totals.needy
    # Outreach of a school goes to its commune today.
    assert figures["outreach"]["by_commune"][str(reform.bao_yen.pk)]["period"] == 1
    pdf = text(files(report, figures)[1])
    assert "UBND xã Bảo Yên" in pdf and "XÃ, PHƯỜNG" in pdf
    assert "Phòng GD&ĐT" not in pdf
