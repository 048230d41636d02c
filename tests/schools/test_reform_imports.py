"""Imports after the reform: the 2023–2024 merges, and schools in today's form."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from vietnam_provinces import Ward

from accounts.models import AuditEvent
from schools.models import (
    GENERATION_2021,
    GENERATION_2025,
    REFORM_DATE,
    Commune,
    InterimUnitChange,
    School,
    SchoolPlacement,
)
from schools.services import import_schools

HEADER = [
    "Mã xã cũ",
    "Tên xã cũ",
    "Huyện",
    "Mã xã nhập vào",
    "Tên xã nhập vào",
    "Căn cứ pháp lý",
    "Ngày hiệu lực",
    "Ghi chú",
]
MERGE = ["99901", "Xã Nậm Thử", "Huyện Bảo Yên", "2950", "Xã Tân Tiến", "1197/NQ-UBTVQH15",
         "01/11/2024", "nhập toàn bộ"]  # fmt: skip


@pytest.fixture
def units(db):
    call_command("load_units", stdout=io.StringIO())


def _xlsx(tmp_path, rows, header=HEADER):
    wb = openpyxl.Workbook()
    wb.active.append(header)
    for row in rows:
        wb.active.append(row)
    path = tmp_path / "sap-xep.xlsx"
    wb.save(path)
    return str(path)


def test_interim_import_creates_the_ceased_commune_and_its_merge_with_every_field(units, tmp_path):
    path = _xlsx(tmp_path, [MERGE])
    out = io.StringIO()
    call_command("import_unit_changes", path, "--dry-run", stdout=out)
    assert "Sẽ thêm 1" in out.getvalue()
    assert not InterimUnitChange.objects.exists()
    assert not Commune.objects.filter(code="99901").exists()

    call_command("import_unit_changes", path, stdout=io.StringIO())
    change = InterimUnitChange.objects.get()
    gone = change.old
    assert (gone.generation_id, gone.code, gone.name, gone.district.code, gone.kind) == (
        GENERATION_2021, "99901", "Xã Nậm Thử", "87", Commune.Kind.COMMUNE,
    )  # fmt: skip
    assert (change.successor.code, change.successor.generation_id) == ("2950", GENERATION_2021)
    assert (change.legal_basis, change.effective_date, change.note) == (
        "1197/NQ-UBTVQH15",
        dt.date(2024, 11, 1),
        "nhập toàn bộ",
    )
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {
        "unit.commune.create",
        "unit.interim_change.create",
    }
    (ward,) = Ward.search_from_legacy(code=2950)
    assert gone.current.commune == Commune.objects.get(
        generation_id=GENERATION_2025, code=str(int(ward.code))
    )

    out = io.StringIO()
    call_command("import_unit_changes", path, stdout=out)
    assert "giữ nguyên 1" in out.getvalue()
    assert InterimUnitChange.objects.count() == 1


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({1: "Xã Khác Tên", 0: "2953"}, "Dòng 3, Tên xã cũ: mã 2953 là của “Xã Nghĩa Đô”"),
        ({4: "Xã Khác Tên"}, "Dòng 3, Tên xã nhập vào: mã 2950 là của “Xã Tân Tiến”"),
        ({3: "88888"}, "Dòng 3, Mã xã nhập vào: không có xã mã 88888"),
        ({6: "15/07/2025"}, "Dòng 3, Ngày hiệu lực: thay đổi từ 1/7/2025"),
        ({6: "31/02/2024"}, "Dòng 3, Ngày hiệu lực"),
        ({5: ""}, "Dòng 3, Căn cứ pháp lý: bắt buộc"),
        ({2: "Huyện Không Có"}, "Dòng 3, Huyện: xã mã 99902 chưa có trong danh mục"),
        ({3: "99902"}, "Dòng 3, Mã xã nhập vào: xã không thể sáp nhập vào chính nó"),
    ],
)
def test_interim_import_one_bad_row_writes_nothing(units, tmp_path, bad, message):
    second = [*MERGE]
    second[0], second[1] = "99902", "Xã Hai Thử"
    for index, value in bad.items():
        second[index] = value
    err = io.StringIO()
    with pytest.raises(CommandError, match="không ghi thay đổi nào"):
        call_command(
            "import_unit_changes",
            _xlsx(tmp_path, [MERGE, second]),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert message in err.getvalue()
    assert not InterimUnitChange.objects.exists()
    assert not Commune.objects.filter(code__in=["99901", "99902"]).exists()


def test_interim_import_follows_a_chain_of_two_merges(units, tmp_path):
    first = ["99901", "Xã Nậm Thử", "Huyện Bảo Yên", "99902", "Xã Giữa Thử", "37/NQ-UBTVQH15",
             "01/03/2023", ""]  # fmt: skip
    then = ["99902", "Xã Giữa Thử", "Huyện Bảo Yên", "2950", "Xã Tân Tiến", "1197/NQ-UBTVQH15",
            "01/11/2024", ""]  # fmt: skip
    call_command("import_unit_changes", _xlsx(tmp_path, [first, then]), stdout=io.StringIO())
    gone = Commune.objects.get(generation_id=GENERATION_2021, code="99901")
    assert gone.resolve_on(dt.date(2024, 1, 1)).commune.code == "99902"
    assert gone.resolve_on(dt.date(2025, 1, 1)).commune.code == "2950"
    assert [s.basis for s in gone.current.steps] == [
        "37/NQ-UBTVQH15",
        "1197/NQ-UBTVQH15",
        "vietnam-provinces 2026.2.0",
    ]


def test_admin_imports_merges_with_a_dry_run_first(units, client_for, admin_user, tmp_path):
    admin_client = client_for(admin_user)
    url = reverse("admin:schools_interimunitchange_import")
    with open(_xlsx(tmp_path, [MERGE]), "rb") as f:
        response = admin_client.post(url, {"file": f, "dry_run": "on"})
    assert response.status_code == 200
    assert "thêm 1" in response.content.decode()
    assert not InterimUnitChange.objects.exists()
    with open(_xlsx(tmp_path, [MERGE]), "rb") as f:
        response = admin_client.post(url, {"file": f})
    assert response.status_code == 302
    assert InterimUnitChange.objects.get().old.name == "Xã Nậm Thử"


def _current(name: str) -> Commune:
    return Commune.objects.get(generation_id=GENERATION_2025, name=name)


def _row(**values):
    base = {"code": "08700002", "name": "Trường PTDTBT THCS Tân Tiến", "level": "THCS"}
    return {**base, **values}


def test_import_schools_in_todays_form_places_the_school_and_keeps_its_record(units):
    old = [(2, _row(district="Bảo Yên", commune="Tân Tiến", lat=22.69, lon=103.86))]
    assert import_schools(rows=old).created == 1
    school = School.objects.get(code="08700002")
    recorded = school.commune
    new_commune = _current("Xã Nghĩa Đô")
    today = [(2, _row(province="Lào Cai", commune="Nghĩa Đô", lat=22.69, lon=103.86))]
    report = import_schools(rows=today)
    assert (report.errors, report.updated) == ([], 1)
    school.refresh_from_db()
    assert school.commune == recorded and school.district.code == "87"
    placement = SchoolPlacement.objects.get(school=school)
    assert (placement.commune, placement.valid_from, placement.valid_to) == (
        new_commune,
        REFORM_DATE,
        None,
    )
    assert school.current_commune == new_commune
    assert school.commune_on(dt.date(2024, 5, 1)) == recorded
    assert AuditEvent.objects.filter(action="school.place").count() == 1
    # The province may be left out while one province of today's list is loaded.
    again = import_schools(rows=[(2, _row(commune="Xã Nghĩa Đô", lat=22.69, lon=103.86))])
    assert (again.errors, again.unchanged, again.updated) == ([], 1, 0)
    assert SchoolPlacement.objects.count() == 1


def test_import_schools_in_todays_form_checks_its_commune_against_todays_list(units):
    School.objects.all().delete()
    import_schools(rows=[(2, _row(district="Bảo Yên", commune="Tân Tiến"))])
    # Tân Tiến is a commune of 2021 only: today's form does not know it.
    report = import_schools(rows=[(3, _row(province="Lào Cai", commune="Tân Tiến"))])
    assert [(e.row, e.column) for e in report.errors] == [(3, "Xã")]
    assert "Tân Tiến" in report.errors[0].message
    report = import_schools(rows=[(4, _row(province="Hà Giang", commune="Nghĩa Đô"))])
    assert [(e.row, e.column) for e in report.errors] == [(4, "Tỉnh")]
    report = import_schools(
        rows=[(5, _row(code="08799999", province="Lào Cai", commune="Nghĩa Đô"))]
    )
    assert [(e.row, e.column) for e in report.errors] == [(5, "Mã trường")]
    assert not SchoolPlacement.objects.exists()
    assert School.objects.count() == 1


def test_import_schools_in_todays_form_accepts_a_school_of_former_yen_bai(units):
    ward = next(w for w in Ward.iter_by_province(15) if w.name == "Phường Yên Bái")
    source = ward.get_legacy_sources()[0]
    commune = Commune.objects.get(generation_id=GENERATION_2021, code=str(int(source.code)))
    rows = [
        (2, _row(code="01500001", name="Trường THCS Thử", district=commune.district.name,
                 commune=commune.name, lat=21.72, lon=104.9)),
    ]  # fmt: skip
    assert import_schools(rows=rows).errors != []  # outside old Lào Cai's box
    assert import_schools(rows=[(2, {**rows[0][1], "lat": None, "lon": None})]).created == 1
    today = [(2, _row(code="01500001", name="Trường THCS Thử", commune="Phường Yên Bái",
                      lat=21.72, lon=104.9))]  # fmt: skip
    report = import_schools(rows=today)
    assert report.errors == []
    assert School.objects.get(code="01500001").current_commune == _current("Phường Yên Bái")


def test_admin_edit_of_a_merge_is_audited_and_checked(units, client_for, admin_user):
    client = client_for(admin_user)
    gone = Commune.objects.create(
        district=Commune.objects.get(generation_id=GENERATION_2021, code="2950").district,
        code="99901",
        name="Xã Nậm Thử",
    )
    tan_tien = Commune.objects.get(generation_id=GENERATION_2021, code="2950")
    new_nghia_do = Commune.objects.get(generation_id=GENERATION_2025, code="2953")
    url = reverse("admin:schools_interimunitchange_add")
    form = {"old": gone.pk, "legal_basis": "1197/NQ-UBTVQH15", "effective_date": "2024-11-01"}
    response = client.post(url, {**form, "successor": new_nghia_do.pk})
    assert response.status_code == 200  # a 2025 commune is refused
    assert "danh mục ba cấp" in response.content.decode()
    response = client.post(url, {**form, "successor": tan_tien.pk})
    assert response.status_code == 302
    change = InterimUnitChange.objects.get()
    event = AuditEvent.objects.get(action="unit.interim_change.create")
    assert event.object_id == str(change.pk)
    assert event.changes["successor"] == [None, tan_tien.pk]
    assert event.changes["effective_date"] == [None, "2024-11-01"]
