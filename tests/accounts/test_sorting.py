"""The personal-data access log sorts by its whitelisted columns, keeping its filters."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import PersonalDataAccess
from tests.exports import export_via_worker
from tests.students.factories import StudentFactory

pytestmark = pytest.mark.django_db


def test_the_access_log_sorts_by_user_and_rows(
    client_for, admin_user, school_staff, district_officer, school
):
    pupil = StudentFactory(school=school, full_name="Giàng Seo Phủ")
    client_for(school_staff).get(reverse("students:detail", args=[pupil.pk]))
    export_via_worker(
        client_for(district_officer), reverse("students:export"), key="students.registry"
    )
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


def test_accounts_awaiting_activation_sort_by_e_mail(
    client_for, province_official, school, django_capture_on_commit_callbacks
):
    from accounts.selectors import find_role
    from accounts.services import create_user

    for username, email in (("gv_a", "z@example.vn"), ("gv_b", "a@example.vn")):
        with django_capture_on_commit_callbacks(execute=True):
            create_user(
                actor=None,
                username=username,
                role=find_role("school"),
                unit_code=school.code,
                email=email,
            )
    client = client_for(province_official)
    url = reverse("accounts:activation_sheet")
    names = lambda **p: [u.username for u in client.get(url, p).context["page"]]  # noqa: E731
    assert names() == ["gv_a", "gv_b"]
    assert names(sap_xep="email") == ["gv_b", "gv_a"]
    assert names(sap_xep="-dang_nhap") == ["gv_b", "gv_a"]
    assert names(sap_xep="password") == ["gv_a", "gv_b"]
    html = client.get(url, {"sap_xep": "email", "school": school.code}).content.decode()
    assert 'name="sap_xep" value="email"' in html and f"school={school.code}" in html
