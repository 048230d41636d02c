"""The admin's export form works under the Content-Security-Policy (no inline handler)."""

import pytest

from tests.browser.test_twofactor import watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_select_all_and_format_choice_work_without_inline_script(live_server, page, admin_user):
    from schools.models import District
    from tests.schools.factories import DistrictFactory

    DistrictFactory(code="87", name="Huyện Bảo Yên")
    admin_user.set_password("quan-tri-mat-khau-1")
    admin_user.save()
    blocked = watch_csp(page)
    page.goto(f"{live_server.url}/quan-tri/login/?next=/quan-tri/schools/district/export/")
    page.fill("input[name=username]", admin_user.username)
    page.fill("input[name=password]", "quan-tri-mat-khau-1")
    page.click("input[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/quan-tri/schools/district/export/"), page.url
    fields = page.locator(".selectable-field-export-row input[type=checkbox]:not(.select-toggle)")
    assert fields.count() >= 2
    assert all(fields.nth(i).is_checked() for i in range(fields.count()))
    page.uncheck("input.select-toggle")
    assert not any(fields.nth(i).is_checked() for i in range(fields.count()))
    page.check("input.select-toggle")
    assert all(fields.nth(i).is_checked() for i in range(fields.count()))
    page.select_option("select[name=format]", label="csv")
    with page.expect_download() as download:
        page.click("input[type=submit]")
    content = download.value.path().read_text(encoding="utf-8-sig")
    assert "Huyện Bảo Yên" in content
    assert District.objects.count() == 1
    assert blocked == []


def test_periodic_task_form_explains_the_crontab_without_inline_script(
    live_server, page, admin_user
):
    from django_celery_beat.models import CrontabSchedule

    crontab = CrontabSchedule.objects.create(minute="0", hour="2")
    admin_user.set_password("quan-tri-mat-khau-1")
    admin_user.save()
    blocked = watch_csp(page)
    target = "/quan-tri/django_celery_beat/periodictask/add/"
    page.goto(f"{live_server.url}/quan-tri/login/?next={target}")
    page.fill("input[name=username]", admin_user.username)
    page.fill("input[name=password]", "quan-tri-mat-khau-1")
    page.click("input[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(target), page.url
    page.select_option("#id_crontab", str(crontab.pk))
    help_text = page.locator(".field-crontab .help").inner_text()
    assert "Diễn giải" in help_text and "2" in help_text.split("Diễn giải")[-1]
    assert blocked == []
