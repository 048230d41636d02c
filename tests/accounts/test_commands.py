import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from accounts.importers import import_accounts
from accounts.models import AuditEvent, User

pytestmark = pytest.mark.django_db


def test_create_user_for_a_school(school):
    out = io.StringIO()
    call_command(
        "create_user",
        "gv_tantien",
        "--role",
        "school",
        "--unit",
        school.code,
        "--password",
        "Mat-khau-2021",
        stdout=out,
    )
    user = User.objects.get(username="gv_tantien")
    assert user.school == school
    assert user.can("can_propose") and not user.can("can_approve")
    assert user.check_password("Mat-khau-2021")
    assert AuditEvent.objects.filter(action="user.create", object_id=str(user.pk)).exists()


def test_create_user_for_a_district(district):
    call_command(
        "create_user", "pgd_baoyen", "--role", "district", "--unit", "87", stdout=io.StringIO()
    )
    user = User.objects.get(username="pgd_baoyen")
    assert user.district == district and user.can("can_approve")
    assert not user.has_usable_password()


def test_create_user_unknown_unit_is_refused(school):
    with pytest.raises(CommandError, match="Không tìm thấy trường"):
        call_command(
            "create_user", "x", "--role", "school", "--unit", "99999999", stdout=io.StringIO()
        )
    assert not User.objects.filter(username="x").exists()


def _accounts_file(tmp_path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH TÀI KHOẢN"])
    ws.append([])
    ws.append(["Tên đăng nhập", "Họ và tên", "E-mail", "Vai trò", "Mã đơn vị"])
    for row in rows:
        ws.append(row)
    path = tmp_path / "tai-khoan.xlsx"
    wb.save(path)
    return path


def test_bulk_account_import_creates_all(tmp_path, admin_user, school, district):
    path = _accounts_file(
        tmp_path,
        [
            ["gv1", "Giàng Seo Phủ", "gv1@example.vn", "school", school.code],
            ["pgd1", "Lò Thị Mai", "", "district", "87"],
        ],
    )
    report = import_accounts(actor=admin_user, source=str(path))
    assert report.ok and report.created == 2
    assert User.objects.get(username="gv1").school == school


def test_bulk_account_import_with_one_bad_row_writes_nothing(tmp_path, admin_user, school):
    path = _accounts_file(
        tmp_path,
        [
            ["gv1", "A", "", "school", school.code],
            ["gv2", "B", "", "school", "00000000"],
            ["gv1", "C", "", "school", school.code],
        ],
    )
    report = import_accounts(actor=admin_user, source=str(path))
    messages = [str(e) for e in report.errors]
    assert "Dòng 5, Mã đơn vị: không tìm thấy trường có mã này" in messages
    assert "Dòng 6, Tên đăng nhập: trùng với dòng 4" in messages
    assert not User.objects.filter(username__in=["gv1", "gv2"]).exists()


def test_bulk_account_import_in_admin(client_for, admin_user, school, tmp_path):
    path = _accounts_file(tmp_path, [["gv9", "Vàng A Dình", "", "school_staff", school.code]])
    client = client_for(admin_user)
    with open(path, "rb") as fh:
        response = client.post(reverse("admin:accounts_user_import"), {"file": fh})
    assert response.status_code == 302
    assert User.objects.filter(username="gv9", school=school).exists()


def test_bulk_account_import_in_admin_goes_through_an_import_batch(
    client_for, admin_user, school, tmp_path
):
    from schools.models import ImportBatch

    path = _accounts_file(tmp_path, [["gv8", "Vàng A Dình", "", "school_staff", "99999999"]])
    client = client_for(admin_user)
    with open(path, "rb") as fh:  # a bad unit code: checked, nothing written
        client.post(reverse("admin:accounts_user_import"), {"file": fh})
    with open(path, "rb") as fh:
        client.post(reverse("admin:accounts_user_import"), {"file": fh, "dry_run": "on"})
    first, second = ImportBatch.objects.filter(kind=ImportBatch.Kind.ACCOUNTS).order_by("pk")
    assert (first.status, first.error_count, first.rows) == (ImportBatch.Status.FAILED, 1, 1)
    assert (second.status, second.error_count) == (ImportBatch.Status.VALIDATED, 1)
    assert first.uploaded_by == admin_user and first.file_name.endswith(".xlsx")
    assert not User.objects.filter(username="gv8").exists()


def test_bulk_account_import_not_a_spreadsheet(client_for, admin_user, tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"%PDF-1.7 fake")
    with open(path, "rb") as fh:
        response = client_for(admin_user).post(reverse("admin:accounts_user_import"), {"file": fh})
    assert "không phải là bảng tính" in response.content.decode()


@override_settings(DEBUG=False)
def test_seed_demo_refuses_without_debug():
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=io.StringIO())


@override_settings(DEBUG=True, DEMO_PASSWORD="demo-pass-123")
def test_seed_demo_creates_one_user_per_role():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    users = {u.username: u for u in User.objects.all()}
    assert users["demo_truong"].school.code == "08700002"
    assert users["demo_phong"].district.code == "87"
    # Since the reform the demo's Sở officer works at the new Lào Cai (code 15 of 2025).
    assert (users["demo_so"].province.code, users["demo_so"].province.generation_id) == (
        "15",
        "2025",
    )
    assert users["demo_xa"].commune.name == "Xã Nghĩa Đô"
    assert users["demo_xa_mcc"].commune.name == "Xã Mù Cang Chải"
    assert users["demo_admin"].is_superuser
    assert all(u.check_password("demo-pass-123") for u in users.values())
    assert "demo-pass-123" in out.getvalue()
    call_command("seed_demo", "--if-empty", stdout=io.StringIO())
    assert User.objects.count() == 6


@pytest.mark.parametrize(
    ("password", "message"),
    [("Ngan-qua-1", "Mật khẩu quá ngắn: cần ít nhất 12 ký tự"), ("password1234", "quá phổ biến")],
)
def test_create_user_refuses_a_weak_password(school, password, message):
    with pytest.raises(CommandError, match=message):
        call_command(
            "create_user",
            "gv_yeu",
            "--role",
            "school",
            "--unit",
            school.code,
            "--password",
            password,
            stdout=io.StringIO(),
        )
    assert not User.objects.filter(username="gv_yeu").exists()


@pytest.mark.parametrize(
    "role", ["school_staff", "Cán bộ nhà trường", "CAN BO NHA TRUONG", "cán bộ  nhà trường"]
)
def test_create_user_accepts_a_role_code_or_name(school, role):
    call_command(
        "create_user",
        "gv_name",
        "--role",
        role,
        "--unit",
        school.code,
        "--password",
        "Mat-khau-2021",
        stdout=io.StringIO(),
    )
    assert User.objects.get(username="gv_name").role.code == "school_staff"


def test_create_user_unknown_role_lists_the_valid_ones(school):
    with pytest.raises(CommandError) as exc:
        call_command("create_user", "x", "--role", "teacher", stdout=io.StringIO())
    message = str(exc.value)
    assert "Không có vai trò “teacher”" in message
    assert "school_staff – Cán bộ nhà trường" in message
    assert "district_officer – Chuyên viên Phòng GD&ĐT" in message
    assert "donation_manager – Cán bộ quản lý tài trợ" in message
    assert not User.objects.filter(username="x").exists()


def test_create_user_refuses_a_weak_password_with_the_validators_messages(school):
    with pytest.raises(CommandError) as exc:
        call_command(
            "create_user",
            "gv_weak",
            "--role",
            "school",
            "--unit",
            school.code,
            "--password",
            "123",
            stdout=io.StringIO(),
        )
    message = str(exc.value)
    assert "Mật khẩu quá ngắn: cần ít nhất 12 ký tự." in message
    assert "Mật khẩu này quá phổ biến." in message
    assert "Mật khẩu này hoàn toàn là số." in message
    assert not User.objects.filter(username="gv_weak").exists()


def test_bulk_account_import_accepts_role_names(tmp_path, admin_user, school):
    path = _accounts_file(tmp_path, [["gv9", "A B", "", "Cán bộ nhà trường", school.code]])
    report = import_accounts(actor=admin_user, source=str(path))
    assert report.ok and User.objects.get(username="gv9").role.code == "school_staff"
