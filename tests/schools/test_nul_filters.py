"""A NUL character in a filter or search parameter gets a message, never a 500."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

pytestmark = pytest.mark.django_db

LIST_PAGES = [
    ("students:list", "q"),
    ("students:list", "household_type"),
    ("students:import_list", "page"),
    ("rounds:list", "status"),
    ("rounds:list", "q"),
    ("devices:stock", "district"),
    ("devices:beneficiaries", "q"),
    ("devices:allocations", "status"),
    ("devices:subscriptions", "q"),
    ("donations:donors", "q"),
    ("donations:receipts", "q"),
    ("donations:spendings", "q"),
    ("coverage:list", "district"),
    ("coverage:map", "status"),
    ("schools:school_list", "q"),
    ("reports:outreach_list", "channel"),
    ("reports:dashboard", "year"),
    ("admin:accounts_auditevent_changelist", "q"),
    ("admin:students_student_changelist", "q"),
]


@pytest.mark.parametrize("name,param", LIST_PAGES, ids=[f"{n}-{p}" for n, p in LIST_PAGES])
def test_nul_in_a_filter_is_stripped_with_a_message(client_for, admin_user, name, param):
    client = client_for(admin_user)
    url = reverse(name)

    response = client.get(url, {param: "1\x00" if param == "page" else "Gi\x00àng"})

    assert response.status_code == 302
    assert "%00" not in response["Location"]
    assert response["Location"].startswith(url)
    page = client.get(response["Location"])
    assert page.status_code == 200
    shown = [str(m) for m in get_messages(page.wsgi_request)] or [page.content.decode()]
    assert any(f"“{param}”" in text and "NUL" in text for text in shown)


def test_nul_in_a_parameter_name_is_stripped(client_for, province_official):
    response = client_for(province_official).get(reverse("students:list") + "?q%00=x")
    assert response.status_code == 302
    assert response["Location"].endswith("?q=x")


def test_clean_filters_pass_through(client_for, province_official):
    response = client_for(province_official).get(reverse("students:list"), {"q": "Giàng"})
    assert response.status_code == 200
