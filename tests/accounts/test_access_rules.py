"""The access module's own rules: views never test scope levels themselves, predicates are
named and shared by views, services and templates, every refusal is 404."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db import models
from django.http import Http404
from django.template import Context, Template
from django.test import RequestFactory

from accounts import access
from devices import rules as device_rules
from devices import services as device_services
from devices.models import StockTransfer
from kernel.scoping import ScopedQuerySet
from tests.access_world import build_province
from tests.accounts.test_unscoped_queries import APPS, ROOT, views_modules

pytestmark = pytest.mark.django_db


def _modules_that_must_ask() -> list[Path]:
    homes = [ROOT / app / "home.py" for app in APPS if (ROOT / app / "home.py").exists()]
    return views_modules() + homes


def test_views_never_read_a_users_scope_or_role_level():
    offending = []
    for path in _modules_that_must_ask():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Attribute):
                continue
            role_level = (
                node.attr == "level"
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "role"
            )
            if node.attr == "scope" or role_level:
                offending.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}")
    assert not offending, "ask accounts.access or <app>/rules.py instead:\n" + "\n".join(offending)


def test_templates_never_read_a_users_scope():
    offending = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if ".scope." in path.read_text() or "role.level" in path.read_text()
    ]
    assert not offending, offending


def test_every_app_registers_its_predicates():
    apps_with_rules = {name.split(".")[0] for name in access.PREDICATES}
    assert {"accounts", "devices", "rounds", "coverage", "reports", "donations"} <= apps_with_rules


def test_an_unknown_predicate_is_an_error(db):
    with pytest.raises(ValueError, match="Unknown predicate"):
        access.allowed(
            build_province(code="15", name="Yên Bái", prefix="15").users["school_staff"],
            "devices.nope",
        )


def test_require_refuses_with_404():
    access.require(True)
    with pytest.raises(Http404):
        access.require(False)


def test_a_scoped_queryset_must_declare_every_level():
    with pytest.raises(TypeError, match="province_lookups"):

        class Forgetful(ScopedQuerySet):  # noqa: F841
            district_lookups = ("district_id",)
            school_lookups = ("school_id",)

    class Complete(ScopedQuerySet):
        province_lookups = ()
        district_lookups = ("district_id",)
        school_lookups = ()

    assert models.Manager.from_queryset(Complete)().none().visible_to is not None


# --- the transfer rule, once ----------------------------------------------------------------


@pytest.fixture
def world():
    return build_province(code="15", name="Yên Bái", prefix="15")


def test_transfer_receiver_and_sender(world):
    to_district, to_school = world["transfer"], world["school_transfer"]
    users = world.users
    assert device_rules.is_transfer_receiver(users["district_officer"], to_district)
    assert device_rules.is_transfer_sender(users["province_officer"], to_district)
    assert not device_rules.is_transfer_sender(users["district_officer"], to_district)
    assert device_rules.is_transfer_receiver(users["school_staff"], to_school)
    assert device_rules.is_transfer_sender(users["district_officer"], to_school)
    assert not device_rules.is_transfer_receiver(users["district_officer"], to_school)
    assert not device_rules.is_transfer_sender(users["school_staff"], to_school)


def test_another_provinces_officer_is_not_the_provincial_sender(world):
    other = build_province(code="10", name="Lào Cai", prefix="10")
    assert not device_rules.is_transfer_sender(other.users["province_officer"], world["transfer"])
    with pytest.raises(Http404):
        device_services.cancel_transfer(
            actor=other.users["province_officer"], transfer=world["transfer"]
        )
    assert StockTransfer.objects.get(pk=world["transfer"].pk).status == StockTransfer.Status.SENT


def test_the_transfer_page_and_the_service_answer_alike(world, client):
    # The page offers a button exactly when the service would accept the action.
    transfer = world["transfer"]
    for user in world.users.values():
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        page = client.get(f"/thiet-bi/dieu-chuyen/{transfer.pk}/")
        if page.status_code == 404:
            continue
        html = page.content.decode()
        assert ("/xac-nhan/" in html) == device_rules.may_confirm_transfer(user, transfer)
        assert ("/huy/" in html) == device_rules.may_cancel_transfer(user, transfer)


def test_the_template_tag_asks_the_same_predicate(world):
    template = Template(
        '{% load access %}{% allowed "devices.may_confirm_transfer" transfer as ok %}{{ ok }}'
    )
    request = RequestFactory().get("/")
    for user in world.users.values():
        request.user = user
        rendered = template.render(Context({"request": request, "transfer": world["transfer"]}))
        assert rendered == str(device_rules.may_confirm_transfer(user, world["transfer"]))
