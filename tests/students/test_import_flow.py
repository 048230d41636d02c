"""The browser workflow of a household-list import, and every bad input of the issue."""

import io
import json
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from schools.models import ImportBatch
from students.models import Household, Student
from students.tasks import run_student_import
from tests.students.helpers import HEADER, born_for_grade, pupil, standard, xlsx

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(client, data, name="danh-sach.xlsx", **extra):
    return client.post(
        reverse("students:import"), {"file": SimpleUploadedFile(name, data, XLSX), **extra}
    )


def detected_mapping(client, batch):
    form = client.get(reverse("students:import_detail", args=[batch.pk])).context["mapping_form"]
    return {name: field.initial or "" for name, field in form.fields.items()}


def check(client, batch, mapping=None):
    mapping = detected_mapping(client, batch) if mapping is None else mapping
    return client.post(reverse("students:import_check", args=[batch.pk]), mapping)


class TestWorkflow:
    def test_upload_check_errors_error_copy_and_confirm(
        self, client_for, school_staff, sample_bytes
    ):
        client = client_for(school_staff)
        response = upload(client, sample_bytes)
        batch = ImportBatch.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("students:import_detail", args=[batch.pk])
        assert (batch.status, batch.school, batch.rows) == ("uploaded", school_staff.school, 30)
        assert len(batch.file_sha256) == 64

        check(client, batch)
        batch.refresh_from_db()
        assert batch.status == "validated"
        assert (batch.rows, batch.created, batch.error_count) == (30, 25, 5)
        page = client.get(reverse("students:import_detail", args=[batch.pk])).content.decode()
        assert "Dòng 13, Ngày sinh: ngày không tồn tại" in page
        assert "Dòng 34: trùng với dòng 28" in page

        copy = client.get(reverse("students:import_error_file", args=[batch.pk]))
        sheet = openpyxl.load_workbook(io.BytesIO(copy.content)).active
        assert sheet.cell(row=6, column=16).value == "Lỗi"
        assert sheet.cell(row=13, column=16).value == "Ngày sinh: ngày không tồn tại"
        assert sheet.cell(row=7, column=16).value is None

        client.post(reverse("students:import_confirm", args=[batch.pk]))
        batch.refresh_from_db()
        assert batch.status == "validated"
        assert Student.objects.count() == 0

        client.post(reverse("students:import_confirm", args=[batch.pk]), {"skip_invalid": "on"})
        batch.refresh_from_db()
        assert (batch.status, batch.created) == ("done", 25)
        assert Student.objects.filter(import_batch=batch).count() == 25
        history = client.get(reverse("students:import_list")).content.decode()
        assert "danh-sach.xlsx" in history

    def test_user_corrects_an_unknown_column(self, client_for, school_staff):
        header = ["STT", "Tên của em", *HEADER[2:]]
        client = client_for(school_staff)
        upload(client, xlsx([["DANH SÁCH"], header, pupil(1)]))
        batch = ImportBatch.objects.get()
        detail = client.get(reverse("students:import_detail", args=[batch.pk]))
        table = detail.context["table"]
        assert [spec.field for spec in table.missing_required] == ["full_name"]
        assert (1, "Tên của em") in table.unknown_columns
        mapping = detected_mapping(client, batch)
        mapping["full_name"] = "1"
        check(client, batch, mapping)
        batch.refresh_from_db()
        assert (batch.status, batch.error_count, batch.mapping["full_name"]) == ("validated", 0, 1)
        client.post(reverse("students:import_confirm", args=[batch.pk]))
        assert Student.objects.get().full_name == pupil(1)[1]

    def test_same_column_for_two_fields_is_refused(self, client_for, school_staff):
        client = client_for(school_staff)
        upload(client, standard([pupil(1)]))
        batch = ImportBatch.objects.get()
        mapping = detected_mapping(client, batch)
        mapping["notes"] = mapping["full_name"]
        check(client, batch, mapping)
        batch.refresh_from_db()
        assert batch.status == "uploaded"

    @override_settings(IMPORT_ASYNC_ROWS=1)
    def test_big_files_run_in_celery_and_the_task_is_safe_to_run_twice(
        self, client_for, school_staff, django_capture_on_commit_callbacks
    ):
        client = client_for(school_staff)
        upload(client, standard([pupil(1), pupil(2)]))
        batch = ImportBatch.objects.get()
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            check(client, batch)
        assert len(callbacks) == 1
        batch.refresh_from_db()
        assert batch.status == "validated"
        assert batch.task_id
        with django_capture_on_commit_callbacks(execute=False) as pending:
            client.post(reverse("students:import_confirm", args=[batch.pk]))
        batch.refresh_from_db()
        assert batch.status == "importing"  # queued: the page shows the progress bar
        page = client.get(reverse("students:import_detail", args=[batch.pk])).content.decode()
        assert "progress-bar" in page
        status = json.loads(client.get(reverse("students:import_status", args=[batch.pk])).content)
        assert status["running"] is True
        for callback in pending:
            callback()
        run_student_import.delay(batch.pk, "import")  # a retry after success changes nothing
        batch.refresh_from_db()
        assert (batch.status, batch.created) == ("done", 2)
        assert Student.objects.count() == 2

    def test_district_officer_chooses_the_school(self, client_for, district_officer, other_school):
        client = client_for(district_officer)
        upload(
            client,
            standard(
                [
                    pupil(
                        1, **{"Lớp": "3A", "Ngày sinh": born_for_grade(3), "Xã/phường": "Nghĩa Đô"}
                    )
                ],
                title=["DANH SÁCH"],
            ),
            school=other_school.pk,
        )
        batch = ImportBatch.objects.get()
        assert batch.school == other_school
        check(client, batch)
        client.post(reverse("students:import_confirm", args=[batch.pk]))
        assert Student.objects.get().school == other_school

    def test_batches_are_scoped(
        self,
        client_for,
        school_staff,
        other_school_staff,
        district_officer,
        other_district_officer,
        sample_bytes,
    ):
        upload(client_for(school_staff), sample_bytes)
        batch = ImportBatch.objects.get()
        url = reverse("students:import_detail", args=[batch.pk])
        assert client_for(district_officer).get(url).status_code == 200
        assert client_for(other_school_staff).get(url).status_code == 404
        assert client_for(other_district_officer).get(url).status_code == 404
        status_url = reverse("students:import_status", args=[batch.pk])
        assert client_for(other_school_staff).get(status_url).status_code == 404
        confirm = reverse("students:import_confirm", args=[batch.pk])
        assert client_for(other_school_staff).post(confirm).status_code == 404


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(210):
                member.write(chunk)
    return buffer.getvalue()


def _encrypted() -> bytes:
    return (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 504
        + "EncryptionInfo".encode("utf-16-le")
        + "EncryptedPackage".encode("utf-16-le")
        + b"\0" * 1024
    )


def _formulas() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    row = pupil(1)
    row[1] = '=HYPERLINK("http://example.invalid","Bấm vào đây")'
    sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _many_rows_csv(n: int) -> bytes:
    lines = [",".join(HEADER)]
    lines += [",".join(str(v) for v in pupil(i)) for i in range(1, n + 1)]
    return "\n".join(lines).encode("utf-8")


BAD_INPUTS = [
    ("renamed-pdf.xlsx", lambda: b"%PDF-1.7\n1 0 obj << >> endobj\n", "không phải là bảng tính"),
    ("corrupt.xlsx", lambda: standard([pupil(1)])[:1500], "bị hỏng"),
    ("bomb.xlsx", _zip_bomb, "nghi là tệp độc hại"),
    ("encrypted.xlsx", _encrypted, "mật khẩu"),
    ("empty.xlsx", lambda: xlsx([]), "không có dữ liệu"),
    ("no-header.xlsx", lambda: xlsx([["a", "b", "c"], [1, 2, 3]]), "Không tìm thấy dòng tiêu đề"),
    ("50000.csv", lambda: _many_rows_csv(50_000), "quá nhiều dòng"),
    ("renamed-zip.xlsx", lambda: b"PK\x03\x04" + b"\0" * 100, "hỏng"),
]


@pytest.mark.parametrize("name,make,message", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_is_refused_with_a_clear_message_and_nothing_written(
    client_for, school_staff, name, make, message
):
    response = upload(client_for(school_staff), make(), name=name)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["file"])
    assert message.lower() in errors.lower()
    assert ImportBatch.objects.count() == 0
    assert Student.objects.count() == 0
    assert Household.objects.count() == 0


@override_settings(IMPORT_MAX_UPLOAD_MB=1)
def test_file_over_the_size_limit_is_refused(client_for, school_staff):
    data = _many_rows_csv(15_000)
    assert len(data) > 1024 * 1024
    response = upload(client_for(school_staff), data, name="lon.csv")
    assert "vượt quá giới hạn 1 MB" in " ".join(response.context["form"].errors["file"])
    assert ImportBatch.objects.count() == 0


def test_district_officer_may_upload_more_rows_than_a_school(client_for, district_officer, school):
    with override_settings(IMPORT_MAX_ROWS_SCHOOL=5):
        response = upload(client_for(district_officer), standard([pupil(i) for i in range(1, 9)]))
    assert response.status_code == 302
    assert ImportBatch.objects.get().rows == 8


def test_formulas_are_not_evaluated_and_the_row_is_reported(client_for, school_staff):
    client = client_for(school_staff)
    upload(client, _formulas())
    batch = ImportBatch.objects.get()
    check(client, batch)
    batch.refresh_from_db()
    assert [(e["row"], e["field"]) for e in batch.errors] == [(2, "full_name")]
    client.post(reverse("students:import_confirm", args=[batch.pk]))
    assert Student.objects.count() == 0


def test_second_upload_while_one_is_running_is_refused(
    client_for, school_staff, other_school_staff, school
):
    ImportBatch.objects.create(
        kind="students",
        uploaded_by=other_school_staff,
        school=school,
        file_name="dang-chay.xlsx",
        file_sha256="x",
        status="importing",
    )
    response = upload(client_for(school_staff), standard([pupil(1)]))
    assert response.status_code == 200
    assert "Đang có một lần nhập danh sách học sinh chưa xong" in " ".join(
        response.context["form"].errors["file"]
    )
    assert ImportBatch.objects.count() == 1


def test_wrong_extension_is_refused(client_for, school_staff):
    response = upload(client_for(school_staff), b"hello", name="ghi-chu.txt")
    assert "Chỉ nhận tệp" in " ".join(response.context["form"].errors["file"])


# ------------------------------------------------------------------------ command


def test_command_json_output_for_the_sample(school, sample_path, capsys):
    call_command("import_students", str(sample_path), "--format", "json", "--dry-run")
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert set(data) == {"rows", "created", "updated", "unchanged", "errors"}
    assert data["rows"] == 30
    assert [(e["row"], e["column"], e["message"]) for e in data["errors"]] == [
        (13, "Ngày sinh", "ngày không tồn tại"),
        (18, "Họ và tên", "bắt buộc"),
        (25, "Diện hộ", "không thuộc danh mục"),
        (30, "Số điện thoại", "không hợp lệ"),
        (34, "", "trùng với dòng 28"),
    ]
    assert "Dòng 13" in err
    assert Student.objects.count() == 0


def test_command_without_skip_invalid_writes_nothing_and_with_it_the_valid_rows(
    school, sample_path, capsys
):
    call_command("import_students", str(sample_path), "--school", "08700002", "--format", "json")
    assert json.loads(capsys.readouterr().out)["created"] == 0
    assert Student.objects.count() == 0
    call_command(
        "import_students",
        str(sample_path),
        "--school",
        "08700002",
        "--skip-invalid",
        "--format",
        "json",
    )
    assert json.loads(capsys.readouterr().out)["created"] == 25
    call_command("import_students", str(sample_path), "--skip-invalid", "--format", "json")
    data = json.loads(capsys.readouterr().out)
    assert (data["created"], data["updated"], data["unchanged"]) == (0, 0, 25)


def test_command_text_output(school, sample_path, capsys):
    call_command("import_students", str(sample_path))
    out = capsys.readouterr().out
    assert "Dòng 30, Số điện thoại: không hợp lệ" in out
    assert "Không ghi học sinh nào" in out


def test_command_fails_only_when_the_file_cannot_be_read(tmp_path, school):
    fake = tmp_path / "ds.xlsx"
    fake.write_bytes(b"%PDF-1.4 not a sheet")
    with pytest.raises(CommandError, match="không phải là bảng tính"):
        call_command("import_students", str(fake), "--format", "json")
    with pytest.raises(CommandError, match="Không tìm thấy trường"):
        call_command("import_students", str(fake), "--school", "99999999")


def test_district_file_without_any_school_goes_back_to_the_mapping_step(
    client_for, district_officer
):
    client = client_for(district_officer)
    upload(client, standard([pupil(1)], title=["DANH SÁCH HỌC SINH"]))
    batch = ImportBatch.objects.get()
    assert batch.school is None
    check(client, batch)
    batch.refresh_from_db()
    assert batch.status == "uploaded"
    assert "Không xác định được trường" in batch.message
    assert Student.objects.count() == 0


def test_csv_list_imports_like_a_workbook(client_for, school_staff):
    client = client_for(school_staff)
    response = upload(client, _many_rows_csv(3), name="danh-sach.csv")
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    check(client, batch)
    client.post(reverse("students:import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert (batch.status, batch.created) == ("done", 3)
    assert Student.objects.filter(school=school_staff.school).count() == 3


def test_pupil_list_with_a_far_cell_is_refused_on_the_form(client_for, school_staff):
    from tests.schools.test_safe_read import far_cell_workbook

    response = upload(client_for(school_staff), far_cell_workbook(), name="bom.xlsx")
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["file"])
    assert "“Bom”" in errors and "ô XFD1048576" in errors
    assert ImportBatch.objects.count() == 0


@override_settings(IMPORT_MAX_ROWS_SCHOOL=5)
def test_school_row_limit_allows_exactly_the_limit(client_for, school_staff):
    response = upload(client_for(school_staff), standard([pupil(i) for i in range(1, 6)]))
    assert response.status_code == 302
    assert ImportBatch.objects.get().rows == 5


@override_settings(IMPORT_MAX_ROWS_SCHOOL=5)
def test_school_row_limit_refuses_one_row_more(client_for, school_staff):
    response = upload(client_for(school_staff), standard([pupil(i) for i in range(1, 7)]))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["file"])
    assert "tối đa 5 dòng dữ liệu" in errors and "dòng dữ liệu thứ 6" in errors
    assert ImportBatch.objects.count() == 0


@override_settings(IMPORT_MAX_ROWS_SCHOOL=5)
def test_school_row_limit_holds_in_the_streaming_import(school_staff):
    from kernel.spreadsheets import SpreadsheetError
    from students.services import import_household_list

    data = standard([pupil(i) for i in range(1, 7)])
    with pytest.raises(SpreadsheetError, match="dòng dữ liệu thứ 6"):
        import_household_list(actor=school_staff, source=data, filename="ds.xlsx")
    assert Student.objects.count() == 0
    report = import_household_list(
        actor=school_staff, source=standard([pupil(i) for i in range(1, 6)]), filename="ds.xlsx"
    )
    assert report.created == 5
