"""The admin's upload of the 2023–2024 commune merges, as an administrator sees it."""

import io
import os

import openpyxl
import pytest
from django.core.management import call_command

from tests.browser.test_twofactor import watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = [
    ["Mã xã cũ", "Tên xã cũ", "Huyện", "Mã xã nhập vào", "Tên xã nhập vào", "Căn cứ pháp lý",
     "Ngày hiệu lực", "Ghi chú"],
    ["99901", "Xã Nậm Thử", "Huyện Bảo Yên", "2950", "Xã Tân Tiến", "1197/NQ-UBTVQH15",
     "01/11/2024", ""],
]  # fmt: skip


def test_admin_uploads_merges_dry_run_then_for_real(
    live_server, page, admin_user, tmp_path, screenshot_dir
):
    from schools.models import InterimUnitChange

    call_command("load_units", stdout=io.StringIO())
    wb = openpyxl.Workbook()
    for row in ROWS:
        wb.active.append(row)
    path = tmp_path / "sap-xep.xlsx"
    wb.save(path)
    admin_user.set_password("quan-tri-mat-khau-1")
    admin_user.save()
    blocked = watch_csp(page)
    target = "/quan-tri/schools/interimunitchange/"
    page.goto(f"{live_server.url}/quan-tri/login/?next={target}")
    page.fill("input[name=username]", admin_user.username)
    page.fill("input[name=password]", "quan-tri-mat-khau-1")
    page.click("input[type=submit]")
    page.wait_for_load_state("networkidle")
    page.click("text=Nhập từ Excel")
    page.set_input_files("input[name=file]", str(path))
    page.click("input[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Tệp hợp lệ: thêm 1" in page.content()
    page.screenshot(path=os.path.join(screenshot_dir, "reform-merges-dry-run.png"), full_page=True)
    assert not InterimUnitChange.objects.exists()
    page.set_input_files("input[name=file]", str(path))
    page.uncheck("input[name=dry_run]")
    page.click("input[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(target), page.url
    assert "1197/NQ-UBTVQH15" in page.content()
    page.screenshot(path=os.path.join(screenshot_dir, "reform-merges-list.png"), full_page=True)
    assert InterimUnitChange.objects.get().old.name == "Xã Nậm Thử"
    assert blocked == []
