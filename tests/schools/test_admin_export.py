"""The admin's import-export downloads escape formulas like the portal's own exports."""

import csv
import io

import pytest
from django.contrib import admin
from django.urls import reverse
from import_export.admin import ExportMixin
from openpyxl import load_workbook

from kernel.resources import SafeExportResource
from students.models import Ethnicity

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://x.invalid/","Bấm vào đây")'  # fits name's 50 characters


def _export(client, title):
    url = reverse("admin:students_ethnicity_export")
    form = client.get(url).context["form"]
    choice = next(v for v, label in form.fields["format"].choices if label.lower() == title)
    fields = {name: "on" for name in form.fields if name.startswith("ethnicityresource_")}
    response = client.post(url, {"format": choice, "resource": "0", **fields})
    assert response.status_code == 200
    return response.content


@pytest.fixture
def formula_row():
    return Ethnicity.objects.create(code="99", name=FORMULA, aliases="+cmd|' /C calc'!A0")


def test_csv_export_escapes_formulas(client_for, admin_user, formula_row):
    rows = list(csv.reader(io.StringIO(_export(client_for(admin_user), "csv").decode("utf-8-sig"))))
    row = next(r for r in rows if "99" in r)
    assert "'" + FORMULA in row
    assert "'+cmd|' /C calc'!A0" in row


def test_xlsx_export_escapes_formulas(client_for, admin_user, formula_row):
    sheet = load_workbook(io.BytesIO(_export(client_for(admin_user), "xlsx"))).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "'" + FORMULA in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)


def test_every_admin_export_uses_the_escaping_resource():
    for model_admin in admin.site._registry.values():
        if isinstance(model_admin, ExportMixin):
            for resource in model_admin.get_export_resource_classes(None):
                assert issubclass(resource, SafeExportResource), resource


def test_admin_export_page_has_no_inline_handler_or_style(client_for, admin_user):
    """The package's page binds "select all" with onchange=…, which the CSP refuses."""
    from tests.integration.test_no_inline_styles import scan

    response = client_for(admin_user).get(reverse("admin:schools_district_export"))
    assert response.status_code == 200
    html = response.content.decode()
    assert scan(html).problems == []
    assert "js/admin-export.js" in html
    assert 'class="select-toggle"' in html
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_admin_export_format_choice_is_honoured(client_for, admin_user):
    client = client_for(admin_user)
    Ethnicity.objects.create(code="98", name="Dân tộc thử xuất")
    assert load_workbook(io.BytesIO(_export(client, "xlsx"))).active["A1"].value
    text = _export(client, "csv").decode("utf-8-sig")
    assert "Dân tộc thử xuất" in text and text.splitlines()[0].count(",") >= 1


def test_admin_periodic_task_form_has_no_inline_script(client_for, admin_user):
    """django-celery-beat's form explained the crontab with an inline script (CSP-refused)."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    from tests.integration.test_no_inline_styles import scan

    crontab = CrontabSchedule.objects.create(minute="0", hour="2")
    task = PeriodicTask.objects.create(name="thử", task="x.y", crontab=crontab)
    client = client_for(admin_user)
    for url in (
        reverse("admin:django_celery_beat_periodictask_add"),
        reverse("admin:django_celery_beat_periodictask_change", args=[task.pk]),
    ):
        html = client.get(url).content.decode()
        assert scan(html).problems == [], url
        assert "js/admin-periodic-task.js" in html and 'id="readable-crontabs"' in html
