"""A support round in a real browser, role by role, at desktop and phone widths.

The round opens today, after the 2025 reform, so it follows the commune chain: the province
(the new Lào Cai) gives Xã Nghĩa Đô a quota; the commune's People's Committee passes a share to
Tân Tiến's lower-secondary school; the school registers a pupil, imports a list, proposes and
sends it to the commune; the commune approves it, the province confirms it; the school allocates a device, prints the handover record, records the
signed handover and the return; the province receives devices and a donation and builds the
progress report. Every page on the way is screenshotted and checked by axe-core
(``tests/browser/journey.py``); every step is checked against the database.
"""

import datetime

import pytest
from django.utils import timezone

from devices.models import Allocation, Device
from donations.models import CashReceipt
from reports.models import ProgressReport
from rounds.models import Proposal, SupportRound
from schools.models_reform import GENERATION_2025
from students.models import Student
from tests.students.test_reimport import row, sheet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROUND = "Đợt 2 năm học 2026-2027"
SCHOOL = "Trường PTDTBT THCS Tân Tiến"
REGISTERED = "Sùng Thị Dua"
IMPORTED = ["Giàng Seo Phủ A", "Giàng Seo Phủ B"]


def open_round(province) -> SupportRound:
    province.open_menu_item("Đợt hỗ trợ")
    province.check("rounds")
    province.page.get_by_role("link", name="Mở đợt hỗ trợ mới").click()
    province.check("round-form")
    today = timezone.localdate()
    page = province.page
    page.get_by_label("Tên đợt").fill(ROUND)
    page.get_by_label("Năm học").fill("2026-2027")
    page.get_by_label("Ngày bắt đầu").fill(today.isoformat())
    page.get_by_label("Hạn đề xuất").fill((today + datetime.timedelta(days=30)).isoformat())
    page.get_by_label("Máy tính bảng").check()
    page.get_by_label("Sở phải xác nhận sau khi Phòng duyệt").check()
    province.submit("Mở đợt")
    assert "Đã mở đợt hỗ trợ" in province.message()
    province.check("commune-quotas")
    page.get_by_label("Xã Nghĩa Đô – Máy tính bảng").fill("5")
    province.submit("Lưu chỉ tiêu")
    assert "Đã lưu chỉ tiêu các xã, phường và trường" in province.message()
    province.check("round")
    opened = SupportRound.objects.get(name=ROUND)
    assert opened.status == SupportRound.Status.OPEN
    assert opened.chain == SupportRound.Chain.COMMUNE
    given = opened.quotas.filter(amount__gt=0).values_list(
        "commune__name", "commune__generation", "school", "kind", "amount"
    )
    assert list(given) == [("Xã Nghĩa Đô", GENERATION_2025, None, "tablet", 5)]
    assert opened.ends_on == today + datetime.timedelta(days=30)
    return opened


def assign_school_quota(commune, support_round: SupportRound) -> None:
    commune.open_menu_item("Đợt hỗ trợ")
    commune.check("rounds")
    commune.page.get_by_role("link", name=ROUND).click()
    commune.check("round")
    commune.page.get_by_role("link", name="Giao chỉ tiêu cho trường").click()
    commune.check("school-quotas")
    commune.page.get_by_label(f"{SCHOOL} – Máy tính bảng").fill("3")
    commune.submit("Lưu chỉ tiêu các trường")
    assert "Đã giao chỉ tiêu cho các trường" in commune.message()
    commune.check("inbox")
    share = support_round.quotas.get(school__name=SCHOOL, kind="tablet")
    assert share.amount == 3


def register_pupil(school) -> Student:
    school.open_menu_item("Học sinh")
    school.check("pupils")
    school.page.locator("main").get_by_role("link", name="Thêm học sinh").click()
    school.check("pupil-form")
    page = school.page
    page.get_by_label("Họ và tên").fill(REGISTERED)
    page.get_by_label("Ngày sinh").fill("12/03/2011")
    page.get_by_label("Giới tính").select_option(label="Nữ")
    page.get_by_label("Dân tộc").select_option(label="Mông")
    page.locator("input[name=class_name]").fill("6B")
    page.get_by_label("Mã định danh học sinh").fill("3109990100")
    page.get_by_label("Diện hộ").select_option(label="Hộ nghèo")
    page.get_by_label("Số GCN hộ nghèo / mã hộ").fill("12/GCN-HN.HCN")
    page.get_by_label("Xã/phường cư trú").select_option(label="Xã Tân Tiến")
    page.get_by_label("Thôn/bản").fill("Thôn Nậm Đét")
    page.get_by_label("Họ tên cha/mẹ/người giám hộ").fill("Sùng A Chứ")
    page.get_by_label("Số điện thoại").fill("0912 345 678")
    page.get_by_label("Nhu cầu thiết bị").select_option(label="Máy tính bảng")
    school.submit("Lưu")
    school.check("pupil")
    pupil = Student.objects.get(pupil_code="3109990100")
    assert (pupil.full_name, pupil.date_of_birth, pupil.class_name) == (
        REGISTERED,
        datetime.date(2011, 3, 12),
        "6B",
    )
    assert (pupil.gender, pupil.need_device, pupil.has_device) == ("F", "tablet", False)
    assert pupil.household.guardian_phone == "0912345678"
    return pupil


def import_list(school, tmp_path) -> None:
    rows = [
        row(
            n,
            **{
                "Mã định danh": f"310999000{n}",
                "Số định danh cá nhân": f"01021099{n:04d}",
                "Đã có thiết bị": "Không",
                "Nhu cầu hỗ trợ": "Máy tính bảng",
            },
        )
        for n in (1, 2)
    ]
    upload = tmp_path / "danh-sach-ho-ngheo.xlsx"
    upload.write_bytes(sheet(rows))
    school.open_menu_item("Học sinh")
    school.page.locator("main").get_by_role("link", name="Nhập từ tệp Excel").first.click()
    school.check("import-upload")
    school.page.set_input_files("input[type=file]", str(upload))
    school.submit("Tải lên và kiểm tra")
    school.check("import-uploaded")
    school.submit("Kiểm tra dữ liệu")
    school.check("import-checked")
    school.submit("Nhập vào danh sách")
    school.check("import-done")
    imported = Student.objects.filter(pupil_code__in=["3109990001", "3109990002"])
    assert sorted(imported.values_list("full_name", flat=True)) == IMPORTED
    assert {s.need_device for s in imported} == {"tablet"}


def propose(school, support_round: SupportRound) -> Proposal:
    school.open_menu_item("Đợt hỗ trợ")
    school.page.get_by_role("link", name=ROUND).click()
    school.check("round")
    school.submit("Lập danh sách đề xuất")
    school.check("proposal")
    for name in [REGISTERED, *IMPORTED]:
        school.page.get_by_label(name, exact=True).check()
    school.submit("Thêm các em đã chọn")
    assert "Đã thêm 3 học sinh vào danh sách" in school.message()
    school.check("proposal-filled")
    school.submit("Gửi UBND xã Nghĩa Đô")
    assert "Đã gửi danh sách tới UBND xã Nghĩa Đô" in school.message()
    school.check("proposal-sent")
    proposal = Proposal.objects.get(round=support_round)
    assert proposal.status == Proposal.Status.SUBMITTED
    assert sorted(i.student.full_name for i in proposal.items.all()) == sorted(
        [REGISTERED, *IMPORTED]
    )
    return proposal


def decide(commune, proposal: Proposal) -> None:
    commune.page.goto(commune.url(f"/dot-ho-tro/{proposal.round_id}/hop-thu/"))
    commune.check("inbox")
    commune.page.get_by_role("link", name="Xét duyệt").click()
    commune.check("proposal")
    commune.submit("Duyệt danh sách")
    assert "Đã duyệt danh sách" in commune.message()
    commune.check("proposal-approved")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.APPROVED


def confirm(province, proposal: Proposal) -> None:
    province.page.goto(province.url(f"/dot-ho-tro/{proposal.round_id}/"))
    province.check("round-to-confirm")
    province.page.get_by_role("link", name="Xem và xác nhận").click()
    province.check("proposal-to-confirm")
    province.submit("Sở xác nhận")
    assert "Đã xác nhận danh sách" in province.message()
    province.check("proposal-confirmed")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.CONFIRMED
    assert {i.status for i in proposal.items.all()} == {"approved"}


def allocate(school, pupil: Student) -> Allocation:
    school.open_menu_item("Thiết bị")
    school.check("stock")
    school.page.locator("main").get_by_role("link", name="Học sinh chờ nhận").click()
    school.check("beneficiaries")
    row_of_pupil = school.page.locator("main tr", has_text=REGISTERED)
    row_of_pupil.get_by_role("link", name="Cấp phát", exact=True).click()
    school.check("allocate-form")
    school.page.get_by_label("Thiết bị trong kho trường").select_option(index=1)
    school.page.get_by_label("Hình thức").select_option(label="Cho mượn")
    loan_until = timezone.localdate() + datetime.timedelta(days=300)
    school.page.get_by_label("Mượn đến ngày").fill(loan_until.isoformat())
    school.submit("Phân bổ thiết bị")
    assert "hãy in biên bản bàn giao" in school.message()
    school.check("allocation")
    allocation = Allocation.objects.get(student=pupil)
    assert (allocation.status, allocation.terms, allocation.loan_until) == (
        Allocation.Status.RESERVED,
        Allocation.Terms.LOAN,
        loan_until,
    )
    return allocation


def print_hand_over_and_return(school, allocation: Allocation, tmp_path) -> None:
    link = school.page.get_by_role("link", name="In biên bản bàn giao (PDF)")
    record = school.page.request.get(school.url(link.get_attribute("href")))
    assert record.status == 200
    assert record.headers["content-type"] == "application/pdf"
    assert record.body().startswith(b"%PDF")
    # The signed record comes back as a scan; the printed PDF stands in for it.
    scan = tmp_path / "bien-ban-da-ky.pdf"
    scan.write_bytes(record.body())
    school.page.get_by_label("Biên bản đã ký", exact=False).set_input_files(str(scan))
    school.submit("Ghi nhận đã bàn giao")
    assert "Đã ghi nhận bàn giao thiết bị" in school.message()
    school.check("handed-over")
    allocation.refresh_from_db()
    assert allocation.status == Allocation.Status.HANDED_OVER
    assert allocation.handover_date == timezone.localdate() and allocation.signed_scan
    school.page.get_by_label("Lý do").select_option(label="Học sinh chuyển/nghỉ học")
    school.page.get_by_label("Tình trạng khi thu hồi").select_option(label="Còn tốt")
    school.submit("Ghi nhận thu hồi")
    school.check("returned")
    allocation.refresh_from_db()
    assert allocation.status == Allocation.Status.RETURNED
    assert (allocation.return_reason, allocation.returned_at) == (
        Allocation.ReturnReason.LEFT_SCHOOL,
        timezone.localdate(),
    )
    assert Device.objects.get(pk=allocation.device_id).status == Device.Status.IN_STOCK


def receive_devices(province) -> None:
    province.open_menu_item("Thiết bị")
    province.check("stock")
    province.page.goto(province.url("/thiet-bi/nhap/"))
    province.check("receive-form")
    page = province.page
    page.get_by_label("Nguồn thiết bị").select_option(index=1)
    page.get_by_label("Loại thiết bị").select_option(label="Máy tính bảng")
    page.get_by_label("Hãng").fill("Samsung")
    page.get_by_label("Model").fill("Galaxy Tab A9")
    page.get_by_label("Số serial").fill("R9JOURNEY0001")
    page.get_by_label("IMEI").fill("490154203237518")
    province.submit("Nhập kho")
    province.check("received")
    device = Device.objects.get(serial_number="R9JOURNEY0001")
    assert (device.make, device.model_name, device.device_type) == (
        "Samsung",
        "Galaxy Tab A9",
        "tablet",
    )
    assert device.imei == "490154203237518"
    assert device.status == Device.Status.IN_STOCK and device.school_id is None


def receive_donation(province) -> None:
    province.open_menu_item("Tài trợ")
    province.check("donors")
    province.page.get_by_role("link", name="Viettel Lào Cai").click()
    province.check("donor")
    province.page.get_by_role("link", name="+ Thêm cam kết").click()
    province.check("pledge-form")
    province.page.get_by_label("Số tiền cam kết (đồng)").fill("50000000")
    province.page.get_by_label("Mục đích").fill("Mua máy tính bảng cho học sinh Bảo Yên")
    province.submit("Lưu cam kết")
    province.check("pledge")
    province.page.locator("main").get_by_role("link", name="Ghi nhận khoản thu").first.click()
    province.check("receipt-form")
    province.page.get_by_label("Số tiền (đồng)").fill("50000000")
    province.page.get_by_label("Tài khoản quỹ").select_option(index=1)
    province.page.get_by_label("Số chứng từ ngân hàng/kho bạc").fill("UNC-2026-0001")
    province.submit("Ghi nhận")
    province.check("receipt")
    receipt = CashReceipt.objects.get(reference="UNC-2026-0001")
    assert (receipt.amount, receipt.received_on) == (50_000_000, timezone.localdate())
    assert receipt.pledge.donor.name == "Viettel Lào Cai"


def build_report(province) -> None:
    province.open_menu_item("Báo cáo")
    province.check("dashboard")
    province.page.goto(province.url("/bao-cao/tien-do/"))
    province.check("reports")
    today = timezone.localdate()
    province.page.get_by_label("Từ ngày").fill((today - datetime.timedelta(days=6)).isoformat())
    province.page.get_by_label("Đến ngày").fill(today.isoformat())
    before = ProgressReport.objects.count()
    province.submit("Lập báo cáo")
    province.check("report")
    assert ProgressReport.objects.count() == before + 1
    report = ProgressReport.objects.latest("pk")
    assert (report.period_start, report.period_end) == (today - datetime.timedelta(days=6), today)
    assert report.pdf and report.xlsx
    pdf = province.page.request.get(province.url(f"/bao-cao/tien-do/{report.pk}/tai-ve/pdf/"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_round_from_opening_to_a_returned_device_and_the_report(demo, journey, width, tmp_path):
    province = journey("province", width)
    province.log_in("demo_so")
    support_round = open_round(province)
    commune = journey("commune", width)
    commune.log_in("demo_xa")
    assign_school_quota(commune, support_round)
    school = journey("school", width)
    school.log_in("demo_truong")
    pupil = register_pupil(school)
    import_list(school, tmp_path)
    proposal = propose(school, support_round)
    decide(commune, proposal)
    confirm(province, proposal)
    allocation = allocate(school, pupil)
    print_hand_over_and_return(school, allocation, tmp_path)
    receive_devices(province)
    receive_donation(province)
    build_report(province)
