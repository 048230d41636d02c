"""Every model and field of the portal's apps carries a Vietnamese label.

Django derives a field's label from its attribute name when none is given
(``created_at`` → "created at"), and a model's from its class name; either would
show English in the Vietnamese admin and forms. Labels go through gettext_lazy, so
the English catalogue must translate each of them too.
"""

from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.db import models
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.text import camel_case_to_spaces

from devices.models import StockTransfer

PORTAL_APPS = (
    "accounts",
    "schools",
    "students",
    "rounds",
    "platforms",
    "devices",
    "coverage",
    "donations",
    "reports",
    "taskqueue",
)


def _portal_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m._meta.app_label in PORTAL_APPS]


def _own_fields(model: type[models.Model]) -> list[Any]:
    return [f for f in model._meta.get_fields() if f.concrete and not f.auto_created]


def test_every_portal_app_has_models() -> None:
    found = {m._meta.app_label for m in _portal_models()}
    assert found == set(PORTAL_APPS)


def test_every_model_field_has_an_explicit_verbose_name() -> None:
    with translation.override("vi"):
        unlabelled = [
            f"{model._meta.label}.{field.name}"
            for model in _portal_models()
            for field in _own_fields(model)
            if str(field.verbose_name) == field.name.replace("_", " ")
        ]
    assert unlabelled == []


def test_every_model_has_explicit_verbose_names() -> None:
    unlabelled = []
    with translation.override("vi"):
        for model in _portal_models():
            opts = model._meta
            automatic = camel_case_to_spaces(opts.object_name or "")
            if str(opts.verbose_name) == automatic:
                unlabelled.append(f"{opts.label} (verbose_name)")
            if str(opts.verbose_name_plural) == f"{automatic}s" or (
                "verbose_name_plural" not in opts.original_attrs
            ):
                unlabelled.append(f"{opts.label} (verbose_name_plural)")
    assert unlabelled == []


def test_field_labels_are_translated_in_english() -> None:
    untranslated = []
    for model in _portal_models():
        for field in _own_fields(model):
            with translation.override("vi"):
                vietnamese = str(field.verbose_name)
            with translation.override("en"):
                english = str(field.verbose_name)
            if vietnamese == english and not vietnamese.isascii():
                untranslated.append(f"{model._meta.label}.{field.name}: {vietnamese}")
    assert untranslated == []


def test_help_texts_go_through_gettext() -> None:
    """The admin shows a field's help text under it: a plain (English) string would stay."""
    plain = [
        f"{model._meta.label}.{field.name}"
        for model in _portal_models()
        for field in _own_fields(model)
        if field.help_text and not isinstance(field.help_text, Promise)
    ]
    assert plain == []


def test_admin_list_columns_have_vietnamese_headings() -> None:
    """A column named by an attribute or method with no label shows it capitalised ("Pk")."""
    automatic = []
    with translation.override("vi"):
        for model, model_admin in admin.site._registry.items():
            if model._meta.app_label not in PORTAL_APPS:
                continue
            for name in model_admin.list_display:
                if not isinstance(name, str) or name == "__str__":
                    continue
                label = str(label_for_field(name, model, model_admin))
                if label.lower() == name.replace("_", " ").lower():
                    automatic.append(f"{model._meta.label}: {name}")
    assert automatic == []


@pytest.mark.django_db
def test_the_transfer_list_in_the_admin_heads_its_number_in_vietnamese(
    client_for, admin_user, district
) -> None:
    transfer = StockTransfer.objects.create(to_district=district, sent_by=admin_user)
    response = client_for(admin_user).get(reverse("admin:devices_stocktransfer_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Số phiếu" in html and f">{transfer.pk}</a>" in html


def test_the_check_catches_an_unlabelled_field() -> None:
    field: models.DateTimeField[Any, Any] = models.DateTimeField()
    field.set_attributes_from_name("created_at")
    assert str(field.verbose_name) == field.name.replace("_", " ")
