"""Sortable columns: whitelisted keys, stable order, aria-sort, links that keep the filters."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.urls import reverse

from kernel.sorting import Sorting
from kernel.templatetags.portal import sort_field, sort_header
from schools.models import School
from tests.students.factories import HouseholdFactory, StudentFactory

pytestmark = pytest.mark.django_db

COLUMNS = {"ten": ("name",), "ma": ("code",)}


def test_an_unknown_sort_key_falls_back_to_the_default_order():
    sorting = Sorting.from_params(QueryDict("sap_xep=password"), COLUMNS, default=("name",))
    assert sorting.key == ""
    assert sorting.apply(School.objects.all()).query.order_by == School.objects.all().query.order_by


def test_a_sort_orders_by_the_column_then_the_default_then_pk():
    sorting = Sorting.from_params(QueryDict("sap_xep=-ma"), COLUMNS, default=("name",))
    assert sorting.descending
    order = sorting.order()
    assert str(order[0]) == str(School._meta.get_field("code").name) or "code" in str(order[0])
    assert order[1:] == ["name", "pk"]


def test_the_header_link_keeps_filters_and_page_and_reverses_the_sorted_column():
    params = QueryDict("q=tan&page=3&sap_xep=ten")
    sorting = Sorting.from_params(params, COLUMNS)
    sorted_header = sort_header(sorting, "ten", "Tên")
    assert 'aria-sort="ascending"' in sorted_header
    assert (
        "sap_xep=-ten" in sorted_header and "q=tan" in sorted_header and "page=3" in sorted_header
    )
    other = sort_header(sorting, "ma", "Mã")
    assert 'aria-sort="none"' in other and "sap_xep=ma" in other
    assert sort_header(sorting, "khac", "Khác") == '<th scope="col">Khác</th>'
    assert 'name="sap_xep" value="ten"' in sort_field(sorting)


def _names(response):
    return [s.full_name for s in response.context["page"]]


def test_the_pupil_list_sorts_by_date_of_birth_both_ways(client_for, school_staff, school):
    import datetime as dt

    for name, born in (("Lò Văn A", dt.date(2010, 1, 1)), ("Lò Văn B", dt.date(2012, 1, 1))):
        StudentFactory(school=school, full_name=name, date_of_birth=born)
    client = client_for(school_staff)
    url = reverse("students:list")
    assert _names(client.get(url, {"sap_xep": "ngay_sinh"})) == ["Lò Văn A", "Lò Văn B"]
    response = client.get(url, {"sap_xep": "-ngay_sinh"})
    assert _names(response) == ["Lò Văn B", "Lò Văn A"]
    assert 'aria-sort="descending"' in response.content.decode()


def test_the_last_four_digits_shown_in_the_masked_list_find_the_pupil(
    client_for, school_staff, school
):
    StudentFactory(school=school, full_name="Giàng Seo Phủ", pupil_code="0308246281")
    StudentFactory(school=school, full_name="Sùng A Chứ", pupil_code="0308240000")
    client = client_for(school_staff)
    for query in ("6281", "••••••6281"):
        response = client.get(reverse("students:list"), {"q": query})
        assert _names(response) == ["Giàng Seo Phủ"], query
        assert "0308246281" not in response.content.decode()
    # A prefix still finds the codes it starts.
    assert len(_names(client.get(reverse("students:list"), {"q": "030824"}))) == 2


def test_the_last_four_digits_of_the_guardian_phone_find_the_pupil(
    client_for, school_staff, school
):
    household = HouseholdFactory(guardian_phone="0912345678")
    StudentFactory(school=school, full_name="Giàng Seo Phủ", household=household)
    StudentFactory(school=school, full_name="Sùng A Chứ")
    response = client_for(school_staff).get(reverse("students:list"), {"q": "5678"})
    assert "Giàng Seo Phủ" in _names(response)
    assert "Sùng A Chứ" not in _names(response)


def test_the_school_and_stock_lists_have_sortable_headers(client_for, province_official):
    client = client_for(province_official)
    html = client.get(reverse("schools:school_list"), {"sap_xep": "-ten"}).content.decode()
    assert 'aria-sort="descending"' in html
    html = client.get(reverse("devices:stock"), {"sap_xep": "serial"}).content.decode()
    assert 'aria-sort="ascending"' in html and "sap_xep=-serial" in html
