"""A school re-imports its list in a real browser: conflicts, the difference, a duplicate warning.

The screenshots (``SCREENSHOT_DIR=docs/screenshots``) are the README's pictures of these pages.
"""

import os

import pytest

from students.models import Student
from tests.students.test_reimport import edit_in_portal, row, run, sheet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "secret-pass-123"


def log_in(page, base_url, username):
    page.goto(f"{base_url}/dang-nhap/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def cells(page, table_id):
    rows = page.locator(f"#{table_id} tbody tr")
    return [
        [c.strip() for c in rows.nth(i).locator("td").all_inner_texts()]
        for i in range(rows.count())
    ]


def test_reimport_shows_conflicts_and_difference_and_keeps_portal_values(
    live_server, page, screenshot_dir, school_staff, client_for, tmp_path
):
    run(sheet([row(n) for n in range(1, 4)]), school_staff)
    edit_in_portal(client_for(school_staff), "3100000001", notes="Đã sửa trên cổng")
    changed = sheet([row(1, **{"Ghi chú": "Ghi chú trong tệp"}), row(2, Lớp="6B"), row(3)])
    upload = tmp_path / "danh-sach-lan-2.xlsx"
    upload.write_bytes(changed)

    log_in(page, live_server.url, school_staff.username)
    page.goto(f"{live_server.url}/hoc-sinh/nhap-tep/")
    page.set_input_files("input[type=file]", str(upload))
    page.get_by_role("button", name="Tải lên và kiểm tra").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Kiểm tra dữ liệu").click()
    page.wait_for_load_state("networkidle")

    conflict = cells(page, "conflict-table")
    assert [c[:5] for c in conflict] == [
        ["7", "Giàng Seo Phủ A", "Ghi chú", "Đã sửa trên cổng", "Ghi chú trong tệp"]
    ]
    assert page.locator("#conflict-table input[value=portal]").is_checked()
    difference = cells(page, "change-table")
    assert ["8", "Giàng Seo Phủ B", "Lớp", "6A", "6B"] in difference
    page.screenshot(path=os.path.join(screenshot_dir, "import-conflicts.png"), full_page=True)

    page.get_by_role("button", name="Nhập vào danh sách").click()
    page.wait_for_load_state("networkidle")
    assert Student.objects.get(pupil_code="3100000001").notes == "Đã sửa trên cổng"
    assert Student.objects.get(pupil_code="3100000002").class_name == "6B"


def test_a_possible_duplicate_needs_a_confirmation_in_the_form(
    live_server, page, screenshot_dir, school_staff
):
    run(sheet([row(1)]), school_staff)
    first = Student.objects.get()
    log_in(page, live_server.url, school_staff.username)
    page.goto(f"{live_server.url}/hoc-sinh/them/")
    page.fill("input[name=full_name]", first.full_name)
    page.fill("input[name=date_of_birth]", first.date_of_birth.strftime("%d/%m/%Y"))
    page.fill("input[name=class_name]", "6A")
    page.select_option("select[name=gender]", "M")
    page.select_option("select[name=commune]", str(first.commune_id))
    page.fill("input[name=village_name]", first.village.name)
    page.select_option("select[name=category]", str(first.household.category_id))
    page.fill("input[name=pupil_code]", "3100000999")
    page.locator("form button.primary").click()
    page.wait_for_load_state("networkidle")

    warning = page.locator(".msg, .errorlist").first.inner_text()
    assert "Có thể trùng với học sinh Giàng Seo Phủ A (mã 3100000001" in warning
    assert Student.objects.count() == 1
    page.screenshot(path=os.path.join(screenshot_dir, "duplicate-warning.png"), full_page=True)

    page.check("input[name=confirm_duplicate]")
    page.locator("form button.primary").click()
    page.wait_for_load_state("networkidle")
    assert Student.objects.count() == 2
