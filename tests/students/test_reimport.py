"""Importing a list again never undoes a correction (issue 12, "Re-importing a list")."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent
from schools.models import ImportBatch
from students.forms import initial_for
from students.models import Ethnicity, HouseholdCategory, ImportChange, Student
from students.services import import_household_list
from tests.students.helpers import TITLE, xlsx

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FULL_HEADER = [
    "STT", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Lớp", "Mã định danh",
    "Số định danh cá nhân", "Họ tên cha/mẹ/người giám hộ", "Quan hệ", "Số điện thoại",
    "CCCD người giám hộ", "Thôn/bản", "Xã/phường", "Diện hộ", "Mã hộ", "Nhu cầu hỗ trợ",
    "Đã có thiết bị", "Ghi chú",
]  # fmt: skip


def letters(n):
    """A, B, … Z, AA, AB, …: names in real lists carry no digits."""
    return chr(64 + n) if n <= 26 else "A" + chr(64 + n - 26)


def row(n, **overrides):
    """A row of the full layout (every optional column filled); ``overrides`` by header."""
    values = {
        "STT": n,
        "Họ và tên": f"Giàng Seo Phủ {letters(n)}",
        "Ngày sinh": f"{(n % 27) + 1:02d}/04/2010",
        "Giới tính": "Nam",
        "Dân tộc": "Mông",
        "Lớp": "6A",
        "Mã định danh": f"{3100000000 + n}",
        "Số định danh cá nhân": f"0102100{n:05d}",
        "Họ tên cha/mẹ/người giám hộ": f"Giàng A Páo {letters(n)}",
        "Quan hệ": "Bố",
        "Số điện thoại": f"09124{n:05d}",
        "CCCD người giám hộ": f"0107800{n:05d}",
        "Thôn/bản": "Thôn Nậm Đét",
        "Xã/phường": "Xã Tân Tiến",
        "Diện hộ": "Hộ nghèo",
        "Mã hộ": f"{n}/GCN-HN.HCN",
        "Nhu cầu hỗ trợ": "Máy tính bảng, Gói cước",
        "Đã có thiết bị": "Có",
        "Ghi chú": f"Ghi chú {n}",
    }
    values.update(overrides)
    return values


def sheet(rows, header=FULL_HEADER):
    return xlsx(
        [[line] for line in TITLE] + [header, *[[r.get(h, "") for h in header] for r in rows]]
    )


def run(data, actor, **kwargs):
    return import_household_list(actor=actor, source=data, filename="ds.xlsx", **kwargs)


def stored(code):
    """Every stored field of the pupil and their household the import writes."""
    s = Student.objects.select_related("household").get(pupil_code=code)
    h = s.household
    return {
        "full_name": s.full_name,
        "name_key": s.name_key,
        "sort_key": s.sort_key,
        "date_of_birth": s.date_of_birth,
        "gender": s.gender,
        "ethnicity_id": s.ethnicity_id,
        "school_id": s.school_id,
        "class_name": s.class_name,
        "grade": s.grade,
        "personal_id": s.personal_id,
        "commune_id": s.commune_id,
        "village_id": s.village_id,
        "has_device": s.has_device,
        "need_device": s.need_device,
        "need_data": s.need_data,
        "notes": s.notes,
        "status": s.status,
        "household_id": s.household_id,
        "household.category_id": h.category_id,
        "household.code": h.code,
        "household.commune_id": h.commune_id,
        "household.village_id": h.village_id,
        "household.guardian_name": h.guardian_name,
        "household.guardian_relation": h.guardian_relation,
        "household.guardian_phone": h.guardian_phone,
        "household.guardian_id_number": h.guardian_id_number,
    }


def expected(n, school, commune):
    """What ``row(n)`` stores, field by field."""
    pupil = Student.objects.get(pupil_code=f"{3100000000 + n}")
    return {
        "full_name": f"Giàng Seo Phủ {letters(n)}",
        "name_key": f"giang seo phu {letters(n).lower()}",
        "sort_key": f"{letters(n).lower()}|seo phu|giang",
        "date_of_birth": dt.date(2010, 4, (n % 27) + 1),
        "gender": "M",
        "ethnicity_id": Ethnicity.objects.get(name="Mông").pk,
        "school_id": school.pk,
        "class_name": "6A",
        "grade": 6,
        "personal_id": f"0102100{n:05d}",
        "commune_id": commune.pk,
        "village_id": pupil.household.village_id,
        "has_device": True,
        "need_device": "tablet",
        "need_data": True,
        "notes": f"Ghi chú {n}",
        "status": "studying",
        "household_id": pupil.household_id,
        "household.category_id": HouseholdCategory.objects.get(name="Hộ nghèo").pk,
        "household.code": f"{n}/GCN-HN.HCN",
        "household.commune_id": commune.pk,
        "household.village_id": pupil.household.village_id,
        "household.guardian_name": f"Giàng A Páo {letters(n)}",
        "household.guardian_relation": "Bố",
        "household.guardian_phone": f"09124{n:05d}",
        "household.guardian_id_number": f"0107800{n:05d}",
    }


OPTIONAL_COLUMNS = [
    "Dân tộc", "Số định danh cá nhân", "Họ tên cha/mẹ/người giám hộ", "Quan hệ", "Số điện thoại",
    "CCCD người giám hộ", "Thôn/bản", "Xã/phường", "Mã hộ", "Nhu cầu hỗ trợ", "Đã có thiết bị",
    "Ghi chú",
]  # fmt: skip


class TestBlankCellsAndMissingColumns:
    def test_blank_cells_never_erase_a_stored_value(self, school_staff, school, commune):
        run(sheet([row(1), row(2)]), school_staff)
        before = {n: expected(n, school, commune) for n in (1, 2)}
        assert stored("3100000001") == before[1]
        assert stored("3100000002") == before[2]
        blanks = dict.fromkeys(OPTIONAL_COLUMNS, "")
        report = run(sheet([row(1, **blanks), row(2, **{"Ghi chú": " "})]), school_staff)
        assert (report.errors, report.created, report.updated, report.unchanged) == ([], 0, 0, 2)
        assert stored("3100000001") == before[1]
        assert stored("3100000002") == before[2]
        assert not AuditEvent.objects.filter(action__in=["student.update", "household.update"])

    def test_a_column_the_file_does_not_have_never_touches_the_field(
        self, school_staff, school, commune
    ):
        run(sheet([row(1), row(2)]), school_staff)
        before = stored("3100000001")
        header = [h for h in FULL_HEADER if h not in OPTIONAL_COLUMNS]
        report = run(sheet([row(1, Lớp="7A"), row(2)], header=header), school_staff)
        assert (report.errors, report.updated, report.unchanged) == ([], 1, 1)
        assert stored("3100000001") == {**before, "class_name": "7A", "grade": 7}
        assert stored("3100000002") == expected(2, school, commune)

    def test_a_given_value_still_changes_the_field(self, school_staff, school, commune):
        run(sheet([row(1)]), school_staff)
        before = stored("3100000001")
        changed = row(
            1,
            **{
                "Ghi chú": "Đã chuyển nhà",
                "Số điện thoại": "0988000111",
                "Đã có thiết bị": "Không",
                "Mã hộ": "",
            },
        )
        report = run(sheet([changed]), school_staff)
        assert (report.errors, report.updated) == ([], 1)
        assert stored("3100000001") == {
            **before,
            "notes": "Đã chuyển nhà",
            "has_device": False,
            "household.guardian_phone": "0988000111",
        }

    def test_new_pupils_get_the_default_of_blank_or_missing_values(self, school_staff, school):
        header = [h for h in FULL_HEADER if h not in ("Ghi chú", "Đã có thiết bị")]
        blanks = {"Số định danh cá nhân": "", "CCCD người giám hộ": "", "Nhu cầu hỗ trợ": ""}
        run(sheet([row(3, **blanks)], header=header), school_staff)
        values = stored("3100000003")
        assert (values["notes"], values["has_device"], values["personal_id"]) == ("", False, "")
        assert (values["need_device"], values["need_data"]) == ("", False)
        assert values["household.guardian_id_number"] == ""

    def test_same_list_again_is_a_no_op_and_every_pupil_changed_updates_all(
        self, school_staff, school, commune
    ):
        rows = [row(n) for n in range(1, 8)]
        run(sheet(rows), school_staff)
        events = AuditEvent.objects.count()
        report = run(sheet(rows), school_staff)
        assert (report.created, report.updated, report.unchanged) == (0, 0, 7)
        assert AuditEvent.objects.count() == events
        moved = [row(n, **{"Lớp": "7B", "Ghi chú": f"Mới {n}"}) for n in range(1, 8)]
        report = run(sheet(moved), school_staff)
        assert (report.created, report.updated, report.unchanged) == (0, 7, 0)
        for n in range(1, 8):
            assert stored(f"{3100000000 + n}") == {
                **expected(n, school, commune),
                "class_name": "7B",
                "grade": 7,
                "notes": f"Mới {n}",
            }


class TestHouseholdAudit:
    def test_each_household_change_by_an_import_is_audited_with_before_and_after(
        self, school_staff, school, commune
    ):
        run(sheet([row(1), row(2)]), school_staff)
        household = Student.objects.get(pupil_code="3100000001").household
        changed = row(
            1, **{"Số điện thoại": "0988000111", "Quan hệ": "Mẹ", "Diện hộ": "Hộ cận nghèo"}
        )
        run(sheet([changed, row(2)]), school_staff)
        event = AuditEvent.objects.get(action="household.update")
        near_poor = HouseholdCategory.objects.get(name="Hộ cận nghèo").pk
        poor = HouseholdCategory.objects.get(name="Hộ nghèo").pk
        assert event.object_id == str(household.pk)
        assert event.object_repr == "Hộ Giàng A Páo A (1/GCN-HN.HCN)"
        assert event.changes == {
            "category_id": [poor, near_poor],
            "guardian_relation": ["Bố", "Mẹ"],
            "guardian_phone": ["0912400001", "0988000111"],
        }
        assert (event.actor, event.school_id_snapshot) == (school_staff, school.pk)
        assert event.district_id_snapshot == school.district_id
        assert event.reason == "Nhập từ tệp danh sách học sinh"


# ------------------------------------------------------------------ the web flow


def upload(client, data):
    client.post(reverse("students:import"), {"file": SimpleUploadedFile("lai.xlsx", data, XLSX)})
    return ImportBatch.objects.latest("pk")


def dry_run(client, batch):
    form = client.get(reverse("students:import_detail", args=[batch.pk])).context["mapping_form"]
    mapping = {name: field.initial or "" for name, field in form.fields.items()}
    client.post(reverse("students:import_check", args=[batch.pk]), mapping)
    batch.refresh_from_db()
    assert batch.status == "validated"
    return batch


def edit_in_portal(client, code, **changes):
    student = Student.objects.get(pupil_code=code)
    data = {k: ("" if v is None else v) for k, v in initial_for(student).items()}
    data.update(changes)
    for name in ("has_device", "need_data"):
        if not data[name]:
            data.pop(name)
    response = client.post(reverse("students:update", args=[student.pk]), data)
    assert response.status_code == 302, response.context["form"].errors


class TestPortalEdits:
    @pytest.fixture
    def registered(self, client_for, school_staff):
        client = client_for(school_staff)
        run(sheet([row(1), row(2)]), school_staff)
        edit_in_portal(
            client,
            "3100000001",
            notes="Đã sửa trên cổng",
            guardian_phone="0977123456",
            has_device="",
        )
        return client

    def test_the_edit_services_record_who_changed_which_field(self, registered, school_staff):
        student = Student.objects.select_related("household").get(pupil_code="3100000001")
        assert set(student.portal_edits) == {"notes", "has_device"}
        assert set(student.household.portal_edits) == {"guardian_phone"}
        assert student.portal_edits["notes"]["by"] == school_staff.pk
        assert dt.datetime.fromisoformat(student.portal_edits["notes"]["at"])

    def test_dry_run_lists_conflicts_and_keeps_the_portal_values_by_default(
        self, registered, school_staff
    ):
        client = registered
        batch = dry_run(client, upload(client, sheet([row(1), row(2)])))
        page = client.get(reverse("students:import_detail", args=[batch.pk]))
        conflicts = [
            (c.label, c.portal, c.file, c.by, c.takes_file)
            for pupil in page.context["conflicts"]
            for c in pupil.conflicts
        ]
        name = school_staff.get_full_name() or school_staff.username
        assert conflicts == [
            ("Đã có thiết bị học tập", "Không", "Có", name, False),
            ("Ghi chú", "Đã sửa trên cổng", "Ghi chú 1", name, False),
            ("Số điện thoại (hộ)", "••••••3456", "••••••0001", name, False),
        ]
        html = page.content.decode()
        assert "giữ giá trị trên cổng" in html and "Giàng Seo Phủ A" in html
        client.post(reverse("students:import_confirm", args=[batch.pk]))
        batch.refresh_from_db()
        assert (batch.status, batch.updated, batch.unchanged) == ("done", 0, 2)
        student = Student.objects.select_related("household").get(pupil_code="3100000001")
        assert (student.notes, student.has_device) == ("Đã sửa trên cổng", False)
        assert student.household.guardian_phone == "0977123456"
        assert set(student.portal_edits) == {"notes", "has_device"}

    def test_user_takes_the_file_value_for_one_field_and_keeps_the_others(self, registered):
        client = registered
        batch = dry_run(client, upload(client, sheet([row(1), row(2)])))
        student = Student.objects.get(pupil_code="3100000001")
        client.post(
            reverse("students:import_choose", args=[batch.pk]),
            {f"c:s{student.pk}:notes": "file", f"c:s{student.pk}:has_device": "portal"},
        )
        batch.refresh_from_db()
        assert batch.options["conflicts"]["file"] == [f"s{student.pk}:notes"]
        page = client.get(reverse("students:import_detail", args=[batch.pk]))
        chosen = {c.label: c.takes_file for p in page.context["conflicts"] for c in p.conflicts}
        assert chosen == {
            "Đã có thiết bị học tập": False,
            "Ghi chú": True,
            "Số điện thoại (hộ)": False,
        }
        client.post(reverse("students:import_confirm", args=[batch.pk]))
        batch.refresh_from_db()
        assert (batch.status, batch.updated) == ("done", 1)
        student.refresh_from_db()
        assert (student.notes, student.has_device) == ("Ghi chú 1", False)
        assert student.household.guardian_phone == "0977123456"
        assert set(student.portal_edits) == {"has_device"}  # the imported value is the file's now
        event = AuditEvent.objects.filter(action="student.update").latest("pk")
        assert event.changes == {"notes": ["Đã sửa trên cổng", "Ghi chú 1"]}

    def test_user_takes_the_file_values_for_all(self, registered, school, commune):
        client = registered
        batch = dry_run(client, upload(client, sheet([row(1), row(2)])))
        client.post(reverse("students:import_confirm", args=[batch.pk]), {"all": "file"})
        batch.refresh_from_db()
        assert (batch.status, batch.updated) == ("done", 1)
        assert stored("3100000001") == expected(1, school, commune)
        student = Student.objects.select_related("household").get(pupil_code="3100000001")
        assert (student.portal_edits, student.household.portal_edits) == (None, None)
        household_event = AuditEvent.objects.get(
            action="household.update", reason__startswith="Nhập từ tệp"
        )
        assert household_event.changes == {"guardian_phone": ["0977123456", "0912400001"]}

    def test_choices_are_refused_once_imported_and_other_schools_get_404(
        self, registered, client_for, other_school_staff
    ):
        client = registered
        batch = dry_run(client, upload(client, sheet([row(1), row(2)])))
        outsider = client_for(other_school_staff)
        url = reverse("students:import_choose", args=[batch.pk])
        assert outsider.post(url, {"all": "file"}).status_code == 404
        assert outsider.get(reverse("students:import_changes", args=[batch.pk])).status_code == 404
        client.force_login(batch.uploaded_by)
        client.post(reverse("students:import_confirm", args=[batch.pk]))
        client.post(url, {"all": "file"})
        batch.refresh_from_db()
        assert "conflicts" not in batch.options
        assert client.get(url).status_code == 405


class TestDifference:
    def test_dry_run_shows_labels_and_display_values_paginated_and_exported(
        self, client_for, school_staff, school
    ):
        client = client_for(school_staff)
        rows = [row(n) for n in range(1, 56)]
        run(sheet(rows), school_staff)
        changed = [
            row(
                n,
                **{
                    "Giới tính": "Nữ",
                    "Diện hộ": "Hộ cận nghèo",
                    "Ngày sinh": "05/07/2011",
                    "Ghi chú": "+ Cần máy gấp",
                },
            )
            for n in range(1, 56)
        ]
        batch = dry_run(client, upload(client, sheet(changed)))
        assert batch.updated == 55
        assert ImportChange.objects.filter(batch=batch).count() == 55
        page = client.get(reverse("students:import_detail", args=[batch.pk]))
        pupils = page.context["pupil_changes"]
        assert len(pupils) == 50
        first = [(c.label, c.old, c.new) for c in pupils[0].changes]
        assert first == [
            ("Ngày sinh", "02/04/2010", "05/07/2011"),
            ("Giới tính", "Nam", "Nữ"),
            ("Ghi chú", "Ghi chú 1", "+ Cần máy gấp"),
            ("Diện hộ (hộ)", "Hộ nghèo", "Hộ cận nghèo"),
        ]
        assert pupils[0].full_name == "Giàng Seo Phủ A" and pupils[0].row == 7
        second = client.get(reverse("students:import_detail", args=[batch.pk]), {"trang": 2})
        assert [p.row for p in second.context["pupil_changes"]] == list(range(57, 62))

        export = client.get(reverse("students:import_changes", args=[batch.pk]))
        assert export.status_code == 200
        ws = openpyxl.load_workbook(io.BytesIO(export.content)).active
        # A spreadsheet's numbers are doubles: the row number 7 reads back as 7 or 7.0.
        lines = [r for r in ws.iter_rows(values_only=True) if r and isinstance(r[0], (int, float))]
        assert len(lines) == 55 * 4
        assert lines[:4] == [
            (
                7,
                "Giàng Seo Phủ A",
                "Ngày sinh",
                "02/04/2010",
                "05/07/2011",
                None,
                "Giá trị trong tệp",
            ),
            (7, "Giàng Seo Phủ A", "Giới tính", "Nam", "Nữ", None, "Giá trị trong tệp"),
            (
                7,
                "Giàng Seo Phủ A",
                "Ghi chú",
                "Ghi chú 1",
                "'+ Cần máy gấp",
                None,
                "Giá trị trong tệp",
            ),
            (
                7,
                "Giàng Seo Phủ A",
                "Diện hộ (hộ)",
                "Hộ nghèo",
                "Hộ cận nghèo",
                None,
                "Giá trị trong tệp",
            ),
        ]
        # Confirmed: the stored values are the file's, the household's category included.
        client.post(reverse("students:import_confirm", args=[batch.pk]))
        student = Student.objects.select_related("household").get(pupil_code="3100000001")
        assert (student.gender, student.date_of_birth) == ("F", dt.date(2011, 7, 5))
        assert student.household.category.name == "Hộ cận nghèo"

    def test_a_second_dry_run_replaces_the_first_ones_difference(self, client_for, school_staff):
        client = client_for(school_staff)
        run(sheet([row(1), row(2)]), school_staff)
        batch = dry_run(client, upload(client, sheet([row(1, Lớp="7A"), row(2)])))
        assert ImportChange.objects.filter(batch=batch).count() == 1
        batch = dry_run(client, batch)
        assert list(ImportChange.objects.filter(batch=batch).values_list("row", flat=True)) == [7]
