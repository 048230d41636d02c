"""A district officer reviews possible duplicates across schools in a real browser.

The screenshot (``SCREENSHOT_DIR=docs/screenshots``) is the README's picture of the page.
"""

import os

import pytest

from rounds.models import Proposal, ProposalItem
from students.models import DuplicateReview
from tests.browser.test_import_review import log_in
from tests.devices.factories import RoundFactory
from tests.schools.factories import VillageFactory
from tests.students.factories import HouseholdFactory
from tests.students.test_duplicate_review import make_pupil

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_district_officer_reviews_and_dismisses_a_pair(
    live_server, page, screenshot_dir, district_officer, school, other_school, far_school
):
    home = school.commune
    village = VillageFactory(commune=home, name="Thôn Khuổi Phường")
    moved = make_pupil(
        school,
        "Giàng Seo Phủ",
        household=HouseholdFactory(commune=home, village=village, guardian_name="Giàng Seo Chứ"),
        personal_id="010210012345",
    )
    make_pupil(
        other_school,
        "Giàng Seo Phủ",
        commune=home,
        class_name="7B",
        household=HouseholdFactory(commune=home, village=village, guardian_name="Giàng Seo Chứ"),
    )
    round_ = RoundFactory(name="Đợt 1 năm học 2025-2026")
    proposal = Proposal.objects.create(
        round=round_, school=school, status=Proposal.Status.SUBMITTED
    )
    ProposalItem.objects.create(proposal=proposal, student=moved, kind="tablet")
    shared = HouseholdFactory(commune=home, guardian_name="Lý Văn Thành")
    make_pupil(school, "Lý Thị Mai", household=shared)
    make_pupil(far_school, "Lý Thị Mai", commune=home, household=shared, class_name="8A")

    log_in(page, live_server.url, district_officer.username)
    page.get_by_role("link", name="Hồ sơ trùng").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Hồ sơ có thể trùng giữa các trường"
    assert page.locator("[data-testid=pair]").count() == 2
    assert "••••••2345" in page.content()
    page.screenshot(path=os.path.join(screenshot_dir, "duplicates.png"), full_page=True)

    pair = page.locator("[data-testid=pair]").filter(has_text="Lý Thị Mai")
    pair.locator("textarea[name=reason]").first.fill(
        "Hai chị em sinh đôi, đã gặp gia đình xác nhận"
    )
    pair.get_by_role("button", name="Không trùng").click()
    page.wait_for_load_state("networkidle")
    assert "Đã ghi nhận: hai hồ sơ không phải một học sinh." in page.content()
    assert page.locator("[data-testid=pair]").count() == 1
    assert DuplicateReview.objects.get().reason == "Hai chị em sinh đôi, đã gặp gia đình xác nhận"
