"""The proposal deadline page: each school's deadline, and extensions by the deciding office
(district office or commune committee) or the province."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import access
from accounts.access import capability_required
from accounts.http import AuthedRequest
from accounts.models import User
from kernel.sorting import Sorting
from rounds import rules, selectors, services
from rounds.forms import ExtensionForm
from rounds.models import SupportRound
from rounds.services.deadlines import (
    extension_communes,
    scoped_commune,
    scoped_district,
    scoped_school,
)
from rounds.workflow import RoundsError
from schools.models import District

# The rows are built in Python (rounds.selectors.deadline_rows), by district then name.
DEADLINE_SORTS = {
    "truong": ("school__name",),
    "han": ("deadline",),
    "gia_han": ("extension__granted_at",),
}


def _targets(round_: SupportRound, user: User, rows: list[selectors.DeadlineRow]) -> list[Any]:
    """The form's choices: the round (province), whole districts or communes, then single
    schools."""
    units: list[tuple[str, str]] = []
    if rules.may_manage_rounds(user):
        units.append(("round", _("Cả đợt (mọi trường)")))
    label = _("Mọi trường của %(d)s")
    if round_.by_communes:
        units += [(f"c:{c.pk}", label % {"d": c.name}) for c in extension_communes(round_, user)]
    else:
        units += [(f"d:{d.pk}", label % {"d": d.name}) for d in _districts(user, rows)]
    schools = [(f"s:{r.school.pk}", f"{r.school.name} ({r.school.code})") for r in rows]
    return [(_("Đơn vị"), units), (_("Một trường"), schools)] if schools else units


def _districts(user: User, rows: list[selectors.DeadlineRow]) -> list[District]:
    if access.is_district_user(user):
        return [scoped_district(user, access.own_district_id(user))]
    districts = sorted({r.school.district for r in rows}, key=lambda d: d.code)
    return [d for d in districts if rules.may_extend_deadline(user, d)]


@capability_required("can_approve", "can_manage_rounds")
def round_deadlines(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    if access.is_school_user(user):
        raise Http404
    round_ = selectors.get_round(user, pk)
    rows = selectors.deadline_rows(round_, user)
    may_extend = rules.may_extend_in_round(user, round_)
    form = ExtensionForm(request.POST or None, targets=_targets(round_, user, rows))
    if request.method == "POST":
        if not may_extend:
            raise Http404
        if form.is_valid():
            try:
                until = _extend(request, round_, form.cleaned_data)
            except RoundsError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("Đã gia hạn đề xuất đến hết ngày %(d)s.") % {"d": f"{until:%d/%m/%Y}"},
                )
                return redirect("rounds:deadlines", round_.pk)
    sorting = Sorting.from_params(request.GET, DEADLINE_SORTS)
    return render(
        request,
        "rounds/round_deadlines.html",
        {
            "round": round_,
            "rows": sorting.sort_list(rows),
            "sorting": sorting,
            "extensions": selectors.unit_extensions(round_, user),
            "form": form,
            "may_extend": may_extend,
        },
    )


def _extend(request: AuthedRequest, round_: SupportRound, data: dict[str, Any]):
    user = request.user
    kind, _sep, raw = str(data["target"]).partition(":")
    common = {"actor": user, "round": round_, "until": data["until"], "reason": data["reason"]}
    if kind == "round":
        return services.extend_deadline(**common)
    if not raw.isdigit():
        raise Http404
    if kind == "d":
        return services.extend_deadline(**common, district=scoped_district(user, int(raw)))
    if kind == "c":
        return services.extend_deadline(**common, commune=scoped_commune(user, int(raw)))
    return services.extend_deadline(**common, school=scoped_school(user, int(raw)))
