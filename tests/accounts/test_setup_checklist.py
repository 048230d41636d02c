"""The administrators' first-run checklist: each item done or not, with where to do it."""

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.models import User
from devices.models import DataPackage
from donations.models import FundAccount
from kernel.setup_checks import run_checks
from schools.models import SchoolSite

pytestmark = pytest.mark.django_db
URL = reverse("accounts:setup_checklist")


def _items() -> dict[str, bool]:
    return {str(item.label): item.done for item in run_checks()}


def _item(start: str):
    [item] = [i for i in run_checks() if str(i.label).startswith(start)]
    return item


def test_a_fresh_portal_lists_what_is_missing(school):
    items = _items()
    assert items["Đơn vị hành chính (tỉnh, huyện, xã) đã được nạp"] is True
    assert items["Danh sách trường đã được nhập"] is True
    assert not _item("Điểm trường").done
    assert not _item("Tài khoản tiếp nhận tài trợ").done
    assert not _item("Danh mục gói cước").done
    assert not _item("Mỗi trường có ít nhất một tài khoản").done
    assert not _item("Thư điện tử").done  # the tests' e-mail goes nowhere
    assert not _item("Địa chỉ công khai").done
    assert not _item("Hàng đợi tác vụ").done
    assert not _item("Nơi nhận báo cáo").done


def test_items_turn_done_as_the_operator_sets_things_up(school, school_staff):
    SchoolSite.objects.create(school=school, name="Điểm trường Nậm Xây")
    FundAccount.objects.create(
        name="Quỹ Sóng và máy tính cho em", bank="Kho bạc Nhà nước Lào Cai", number="3761.0.1"
    )
    DataPackage.objects.create(carrier="viettel", name="ST4G", price_vnd_per_month=50_000)
    assert _item("Điểm trường").done and _item("Tài khoản tiếp nhận tài trợ").done
    assert _item("Danh mục gói cước").done
    assert _item("Mỗi trường có ít nhất một tài khoản").done
    assert _item("Tài khoản đã được kích hoạt").done
    User.objects.filter(pk=school_staff.pk).update(password="!unusable", last_login=None)
    item = _item("Tài khoản đã được kích hoạt")
    assert not item.done and item.url == reverse("accounts:activation_sheet")
    assert item.detail.startswith("1/")


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    EMAIL_HOST="smtp.laocai.example.vn",
    SITE_URL="https://congthongtin.laocai.example.vn",
    REPORT_RECIPIENTS=["vanphong@laocai.example.vn"],
)
def test_settings_items_are_done_when_set(db):
    assert _item("Thư điện tử").done
    assert _item("Địa chỉ công khai").done
    assert _item("Nơi nhận báo cáo").done


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_an_unreachable_broker_is_not_done_and_says_why(db):
    item = _item("Hàng đợi tác vụ")
    assert not item.done and "Không kết nối được" in item.detail


def test_administrator_sees_the_page_and_its_links(client_for, admin_user, school):
    page = client_for(admin_user).get(URL).content.decode()
    assert "Việc cần làm khi bắt đầu" in page
    assert reverse("admin:donations_fundaccount_changelist") in page
    assert reverse("admin:devices_datapackage_changelist") in page
    assert reverse("admin:schools_schoolsite_changelist") in page
    assert reverse("accounts:activation_sheet") in page
    assert "manage.py load_units" in page


def test_shown_from_the_admin_index_and_the_administrators_home(client_for, admin_user):
    client = client_for(admin_user)
    assert URL in client.get(reverse("admin:index")).content.decode()
    home = client.get(reverse("accounts:home")).content.decode()
    assert 'data-testid="setup-summary"' in home and URL in home


def test_other_roles_do_not_see_the_checklist(client_for, province_official, school_staff):
    assert client_for(province_official).get(URL).status_code == 404
    home = client_for(province_official).get(reverse("accounts:home")).content.decode()
    assert "setup-summary" not in home
    assert client_for(school_staff).get(URL).status_code == 404


def test_checklist_needs_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and "dang-nhap" in response["Location"]
