"""The coverage officer, the donation manager and the public, in a real browser at both widths.

Each journey starts at login (or the public page) and ends with its main task done, every page
screenshotted and checked by axe-core (``tests/browser/journey.py``), every write checked in the
database.
"""

import pytest
from django.utils import timezone

from coverage.models import CarrierSignal, CoveragePlan, CoveragePoint
from donations.models import CashReceipt, Donor, Spending
from schools.models import Province
from tests.accounts.factories import UserFactory, role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FACTORY_PASSWORD = "secret-pass-123"
WIDTHS = ["desktop", "phone"]


def provincial_user(username: str, role_code: str):
    province = Province.objects.get(code="10")
    return UserFactory(username=username, role=role(role_code), province=province)


@pytest.mark.parametrize("width", WIDTHS)
def test_coverage_officer_records_a_measurement_and_a_plan(demo, journey, width):
    provincial_user("phusong", "coverage_officer")
    walk = journey("coverage", width)
    walk.log_in("phusong", FACTORY_PASSWORD)
    walk.open_menu_item("Phủ sóng")
    walk.check("map")
    walk.page.locator("main").get_by_role("link", name="Danh sách điểm").first.click()
    walk.check("points")
    walk.page.locator("main").get_by_role("link", name="Thôn Phìn Hồ").click()
    walk.check("point")
    point = CoveragePoint.objects.get(name="Thôn Phìn Hồ")
    walk.page.locator("summary", has_text="Ghi nhận kết quả đo sóng").click()
    walk.page.get_by_label("Nhà mạng").select_option(label="Viettel")
    walk.page.get_by_label("Công nghệ tốt nhất đo được").select_option(label="4G")
    walk.page.get_by_label("Nguồn").select_option(label="Nhà mạng khảo sát")
    walk.submit("Ghi nhận")
    walk.check("measured")
    signal = CarrierSignal.objects.get(
        point=point, carrier="viettel", measured_on=timezone.localdate()
    )
    assert (signal.technology, signal.source) == (4, "carrier")
    walk.page.get_by_role("link", name="Lập kế hoạch phủ sóng").click()
    walk.check("plan-form")
    walk.page.get_by_label("Nhà mạng thực hiện").select_option(label="Viettel")
    walk.page.get_by_label("Thời hạn").fill("2027-06-30")
    walk.page.get_by_label("Giải pháp").select_option(label="Xây trạm BTS mới")
    walk.page.get_by_label("Giai đoạn").select_option(label="Đã lập kế hoạch")
    walk.page.get_by_label("Ghi chú tiến độ").fill("Đã chọn vị trí trạm gần nhà văn hóa thôn.")
    walk.submit("Lưu")
    walk.check("planned")
    plan = CoveragePlan.objects.get(point=point)
    assert (plan.carrier, plan.solution, plan.stage) == ("viettel", "new_bts", 2)
    assert plan.target_date.isoformat() == "2027-06-30"
    walk.page.locator("main").get_by_role("link", name="Phủ sóng").first.click()
    walk.check("map-again")
    walk.page.locator("main").get_by_role("link", name="Tiến độ").first.click()
    walk.check("progress")


def add_donor(walk) -> Donor:
    walk.page.locator("main").get_by_role("link", name="+ Thêm nhà tài trợ").click()
    walk.check("donor-form")
    walk.page.get_by_label("Loại nhà tài trợ").select_option(label="Doanh nghiệp")
    walk.page.get_by_label("Tên", exact=False).first.fill("Công ty CP Hoàng Liên")
    walk.page.get_by_label("Mã số thuế").fill("5301002578")
    walk.page.get_by_label("Người liên hệ").fill("Nguyễn Văn Bình")
    walk.page.get_by_label("Điện thoại").fill("0914 123 456")
    walk.page.get_by_label("Đồng ý công khai tên").check()
    walk.submit("Lưu")
    walk.check("donor")
    donor = Donor.objects.get(name="Công ty CP Hoàng Liên")
    assert (donor.kind, donor.contact_name, donor.public_consent) == (
        "enterprise",
        "Nguyễn Văn Bình",
        True,
    )
    return donor


@pytest.mark.parametrize("width", WIDTHS)
def test_donation_manager_records_a_donor_a_receipt_and_a_spending(demo, journey, width):
    provincial_user("taitro", "donation_manager")
    walk = journey("donations", width)
    walk.log_in("taitro", FACTORY_PASSWORD)
    walk.open_menu_item("Tài trợ")
    walk.check("donors")
    donor = add_donor(walk)
    walk.page.get_by_role("link", name="+ Thêm cam kết").click()
    walk.check("pledge-form")
    walk.page.get_by_label("Số tiền cam kết (đồng)").fill("20000000")
    walk.page.get_by_label("Mục đích").fill("Gói cước cho học sinh Si Ma Cai")
    walk.submit("Lưu cam kết")
    walk.check("pledge")
    walk.page.locator("main").get_by_role("link", name="Ghi nhận khoản thu").first.click()
    walk.check("receipt-form")
    walk.page.get_by_label("Số tiền (đồng)").fill("20000000")
    walk.page.get_by_label("Tài khoản quỹ").select_option(index=1)
    walk.page.get_by_label("Số chứng từ ngân hàng/kho bạc").fill("UNC-HL-0001")
    walk.submit("Ghi nhận")
    walk.check("receipt")
    receipt = CashReceipt.objects.get(reference="UNC-HL-0001")
    assert (receipt.pledge.donor, receipt.amount) == (donor, 20_000_000)
    letter = walk.page.request.get(walk.url(f"/tai-tro/khoan-thu/{receipt.pk}/giay-xac-nhan.pdf"))
    assert letter.status == 200 and letter.body().startswith(b"%PDF")
    walk.page.goto(walk.url("/tai-tro/khoan-chi/"))
    walk.check("spendings")
    walk.page.goto(walk.url("/tai-tro/khoan-chi/them/"))
    walk.check("spending-form")
    walk.page.get_by_label("Số tiền (đồng)").fill("5000000")
    walk.page.get_by_label("Tài khoản quỹ").select_option(index=1)
    walk.page.get_by_label("Số chứng từ chi").fill("UNC-CHI-0001")
    walk.page.get_by_label("Mục đích").select_option(label="Mua gói cước")
    walk.page.get_by_label("Nội dung").fill("Gói cước 12 tháng cho 10 học sinh")
    walk.page.get_by_label("UNC-HL-0001", exact=False).check()
    walk.page.get_by_label("Số thuê bao gói cước được mua").fill("10")
    walk.submit("Lưu")
    walk.check("spent")
    spending = Spending.objects.get(reference="UNC-CHI-0001")
    assert (spending.amount, spending.purpose) == (5_000_000, "data")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_public_sees_donations_and_where_they_went(demo, journey, width):
    walk = journey("public", width)
    walk.page.goto(walk.url("/dang-nhap/"))
    walk.check("login")
    walk.page.locator("footer").get_by_role("link", name="Công khai tài trợ").click()
    walk.check("public")
    body = walk.page.locator("main").inner_text()
    public_donors = Donor.objects.filter(public_consent=True).values_list("name", flat=True)
    assert public_donors and all(name in body for name in public_donors)
    hidden = Donor.objects.filter(public_consent=False).values_list("name", flat=True)
    assert not any(name in body for name in hidden)
