"""The admin action on offices: the plan on a confirmation page, choices in a form."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from devices.transition.applying import TransitionRefused, transition_offices
from devices.transition.choices import ChoicesError, apply_choices
from devices.transition.planning import QUOTA, Move, Plan, plan
from devices.transition.report import describe
from schools.models import Province

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.http import HttpRequest, HttpResponse


def _field_name(key: str, code: str = "") -> str:
    return "c__" + key.replace(":", "__") + (f"__{code}" if code else "")


class ChoicesForm(forms.Form):
    """One field per item waiting for a choice (a quota: one number per commune)."""

    def __init__(self, *args: Any, current: Plan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current = current
        self.keys: list[tuple[str, Move]] = []
        for move in current.waiting:
            key = move.choice_key or move.key
            if any(k == key for k, _m in self.keys):
                continue
            self.keys.append((key, move))
            label = f"{key} — {move.school or move.obj}"
            if move.kind == QUOTA:
                for target in move.candidates:
                    assert target.commune is not None
                    self.fields[_field_name(key, target.commune.code)] = forms.IntegerField(
                        label=f"{label}: {target}", min_value=0, required=True
                    )
            else:
                self.fields[_field_name(key)] = forms.ChoiceField(
                    label=label, choices=[(t.key, str(t)) for t in move.candidates]
                )

    def choices(self) -> dict[str, Any]:
        chosen: dict[str, Any] = {}
        for key, move in self.keys:
            if move.kind == QUOTA:
                chosen[key] = {
                    t.commune.code: self.cleaned_data[_field_name(key, t.commune.code)]
                    for t in move.candidates
                    if t.commune is not None
                }
            else:
                chosen[key] = self.cleaned_data[_field_name(key)]
        return chosen


def current_province(province: Province) -> Province:
    """The province an office's province is today: its successor, if it has one."""
    while province.successor is not None:
        province = province.successor
    return province


@admin.action(description=gettext_lazy("Chuyển giao việc của Phòng GD&ĐT đã giải thể"))
def hand_over_work(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
) -> HttpResponse | None:
    """Show the plan of the selected offices' province; on confirmation, carry it out."""
    provinces = {current_province(o.province) for o in queryset.select_related("province")}
    if len(provinces) != 1:
        modeladmin.message_user(request, _("Chọn các cơ quan của một tỉnh."), messages.ERROR)
        return None
    (province,) = provinces
    current = plan(province)
    form = ChoicesForm(request.POST if "confirm" in request.POST else None, current=current)
    errors: list[str] = []
    if "confirm" in request.POST and form.is_valid():
        try:
            done = transition_offices(actor=request.user, province=province, choices=form.choices())  # type: ignore[arg-type]
        except (ChoicesError, TransitionRefused) as exc:
            errors = exc.messages
        else:
            modeladmin.message_user(request, " ".join(describe(done)[:1]), messages.SUCCESS)
            return None
    shown = plan(province)
    if form.is_bound and form.is_valid():
        try:
            shown = apply_choices(shown, form.choices())
        except ChoicesError as exc:
            errors = exc.messages
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Chuyển giao việc của các Phòng GD&ĐT đã giải thể"),
        "province": province,
        "lines": describe(shown),
        "form": form,
        "errors": errors,
        "queryset": queryset,
        "action": "hand_over_work",
        "opts": modeladmin.model._meta,
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
        "is_empty": current.is_empty,
    }
    return TemplateResponse(request, "admin/devices/transition_confirm.html", context)
