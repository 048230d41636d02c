import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from schools.models import Commune, District, Province, School

SAMPLE = "tests/data/truong-bao-yen.xlsx"


@pytest.fixture
def units(db):
    call_command("load_units", stdout=io.StringIO())


def test_load_units_twice_gives_nine_districts_and_151_communes(db):
    call_command("load_units", stdout=io.StringIO())
    first = sorted(Commune.objects.values_list("generation", "code", "name", "province__code"))
    call_command("load_units", stdout=io.StringIO())
    province = Province.objects.get(generation_id="2021", code="10")
    old_lao_cai = District.objects.filter(province=province)
    assert old_lao_cai.count() == 9
    assert sorted(old_lao_cai.values_list("code", flat=True)) == [
        "80",
        "82",
        "83",
        "84",
        "85",
        "86",
        "87",
        "88",
        "89",
    ]
    assert Commune.objects.filter(district__province=province).count() == 151
    assert (
        sorted(Commune.objects.values_list("generation", "code", "name", "province__code")) == first
    )
    assert District.objects.get(code="88").kind == District.Kind.TOWN
    assert Commune.objects.get(name="Thị trấn Phố Ràng").kind == Commune.Kind.TOWNSHIP


def test_import_schools_sample_twice_keeps_six(units):
    out = io.StringIO()
    call_command("import_schools", SAMPLE, stdout=out)
    assert School.objects.count() == 6
    call_command("import_schools", SAMPLE, stdout=out)
    assert School.objects.count() == 6
    school = School.objects.get(code="08700002")
    assert school.commune.name == "Xã Tân Tiến"
    assert school.district.code == "87"
    assert school.kind == School.Kind.SEMI_BOARDING
    assert "giữ nguyên 6" in out.getvalue()


def _write(tmp_path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Mã trường", "Tên trường", "Cấp học", "Huyện", "Xã", "Vĩ độ", "Kinh độ"])
    for row in rows:
        ws.append(row)
    path = tmp_path / "schools.xlsx"
    wb.save(path)
    return str(path)


def test_import_schools_matches_names_without_prefix_and_in_nfd(units, tmp_path):
    import unicodedata

    path = _write(
        tmp_path,
        [
            [
                "08799001",
                "Trường TH Thử",
                "TH",
                unicodedata.normalize("NFD", "bảo  yên"),
                "TÂN TIẾN",
                22.6,
                103.9,
            ]
        ],
    )
    call_command("import_schools", path, stdout=io.StringIO())
    assert School.objects.get(code="08799001").commune.name == "Xã Tân Tiến"


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        (
            ["08799002", "Trường Sai Xã", "TH", "Huyện Bảo Yên", "Xã Không Có", 22.6, 103.9],
            "Dòng 3, Xã",
        ),
        (
            ["08799003", "Trường Ngoài Tỉnh", "TH", "Huyện Bảo Yên", "Xã Tân Tiến", 21.0, 105.8],
            "ngoài tỉnh Lào Cai",
        ),
        (
            ["", "Trường Thiếu Mã", "TH", "Huyện Bảo Yên", "Xã Tân Tiến", 22.6, 103.9],
            "thiếu mã trường",
        ),
    ],
)
def test_import_schools_one_bad_row_writes_nothing(units, tmp_path, bad_row, message, capsys):
    good = ["08799001", "Trường TH Tốt", "TH", "Huyện Bảo Yên", "Xã Tân Tiến", 22.6, 103.9]
    path = _write(tmp_path, [good, bad_row])
    err = io.StringIO()
    with pytest.raises(CommandError, match="không ghi trường nào"):
        call_command("import_schools", path, stdout=io.StringIO(), stderr=err)
    assert message in err.getvalue()
    assert School.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"%PDF-1.4 not a spreadsheet", "không phải là bảng tính"), (b"", "không có dữ liệu")],
)
def test_import_schools_bad_file_is_one_clear_sentence(units, tmp_path, content, message):
    path = tmp_path / "x.xlsx"
    path.write_bytes(content)
    with pytest.raises(CommandError) as excinfo:
        call_command("import_schools", str(path), stdout=io.StringIO())
    assert message in str(excinfo.value)
    assert "Traceback" not in str(excinfo.value)
    assert School.objects.count() == 0


def test_import_schools_wrong_columns(units, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["Tên", "Tuổi"])
    wb.active.append(["A", 3])
    path = tmp_path / "wrong.xlsx"
    wb.save(path)
    with pytest.raises(CommandError, match="tiêu đề"):
        call_command("import_schools", str(path), stdout=io.StringIO())


def test_import_schools_keeps_wards_differing_by_a_tone_mark_apart(units, tmp_path):
    from schools.services import import_schools

    rows = [
        (2, {"code": "08800001", "name": "Trường TH Sa Pả", "level": "TH", "district": "Sa Pa",
             "commune": "Sa Pả"}),
        (3, {"code": "08800002", "name": "Trường TH Sa Pa", "level": "TH", "district": "Sa Pa",
             "commune": "phường sa pa"}),
        (4, {"code": "08300001", "name": "Trường TH Bản Lầu", "level": "TH",
             "district": "Mường Khương", "commune": "Bản Lầu"}),
    ]  # fmt: skip
    report = import_schools(rows=rows)
    assert report.errors == []
    assert School.objects.get(code="08800001").commune.name == "Phường Sa Pả"
    assert School.objects.get(code="08800002").commune.name == "Phường Sa Pa"
    assert School.objects.get(code="08300001").commune.name == "Xã Bản Lầu"
    School.objects.all().delete()
    ambiguous = [(2, {**rows[0][1], "commune": "Sa Pá"})]
    report = import_schools(rows=ambiguous)
    assert [e.field for e in report.errors] == ["commune"]
    assert not School.objects.exists()


def test_import_schools_coordinates_must_be_numbers(units, tmp_path):
    good = ["08799001", "Trường TH Tốt", "TH", "Huyện Bảo Yên", "Xã Tân Tiến", "22.6", "103.9"]
    bad = ["08799002", "Trường Tọa Độ Chữ", "TH", "Huyện Bảo Yên", "Xã Tân Tiến", "không rõ", 103.9]
    err = io.StringIO()
    with pytest.raises(CommandError, match="không ghi trường nào"):
        call_command(
            "import_schools", _write(tmp_path, [good, bad]), stdout=io.StringIO(), stderr=err
        )
    assert "Dòng 3, Vĩ độ" in err.getvalue() and "tọa độ không phải là số" in err.getvalue()
    assert School.objects.count() == 0

    call_command("import_schools", _write(tmp_path, [good]), stdout=io.StringIO())
    school = School.objects.get(code="08799001")
    assert (school.latitude, school.longitude) == (22.6, 103.9)
