"""The personal-data access log sorts by its whitelisted columns, keeping its filters."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import PersonalDataAccess
from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db


def test_the_access_log_sorts_by_user_and_rows(
    client_for, admin_user, school_staff, district_officer, school
):
    pupil = StudentFactory(school=school, full_name="Giàng Seo Phủ")
    client_for(school_staff).get(reverse("students:detail", args=[pupil.pk]))
    client_for(district_officer).get(reverse("students:export"))
    export, view = PersonalDataAccess.objects.order_by("-at", "-pk")
    assert export.action == PersonalDataAccess.Action.EXPORT
    url = reverse("accounts:data_access_list")
    client = client_for(admin_user)
    rows = lambda **p: list(client.get(url, p).context["page"])  # noqa: E731
    assert rows() == [export, view]
    assert rows(sap_xep="thoi_diem") == [view, export]
    assert rows(sap_xep="-so_dong") == rows(sap_xep="-so_dong", hanh_dong="") == [export, view]
    assert rows(sap_xep="user__password") == [export, view]
    html = client.get(url, {"sap_xep": "so_dong", "nguoi_dung": "x"}).content.decode()
    assert "nguoi_dung=x" in html and 'aria-sort="ascending"' in html
