"""Quota pages: the province's grid (districts, or communes and the Sở's schools) and the
deciding office's pages (its inbox and the share of its quota among its schools)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import access
from accounts.access import capability_required
from accounts.http import AuthedRequest
from rounds import chain, communes, rules, selectors, services
from rounds.chain import COMMUNE, DISTRICT, Holder
from rounds.forms import parse_amount_grid
from rounds.models import SupportRound
from rounds.workflow import RoundsError
from schools.models import Commune, District, School


def own_unit(
    request: AuthedRequest, round_: SupportRound
) -> tuple[District | Commune, Holder, list[School]]:
    """The office of a district or commune officer: its unit, where its quota is held and
    the schools it decides in ``round_``; anyone else is refused."""
    user = request.user
    if access.is_commune_user(user):
        commune = Commune.objects.get(pk=access.own_commune_id(user))
        return commune, Holder(COMMUNE, commune.pk), communes.commune_schools(round_, commune)
    district = District.objects.get(pk=access.own_district_id(user))
    schools = list(School.objects.filter(district=district).order_by("name"))
    return district, Holder(DISTRICT, district.pk), schools


@capability_required("can_manage_rounds")
def round_quotas(request: AuthedRequest, pk: int) -> HttpResponse:
    access.require(rules.may_manage_rounds(request.user))
    user = request.user
    round_ = selectors.get_round(user, pk)
    if request.method == "POST":
        amounts, errors = parse_amount_grid(request.POST, "q")
        schools, school_errors = parse_amount_grid(request.POST, "s")
        errors += school_errors
        for error in errors:
            messages.error(request, error)
        if not errors:
            try:
                if round_.by_communes:
                    services.set_commune_quotas(
                        actor=user, round=round_, communes=amounts, schools=schools
                    )
                else:
                    services.set_district_quotas(actor=user, round=round_, amounts=amounts)
            except RoundsError as exc:
                messages.error(request, exc.message)
            else:
                if round_.by_communes:
                    messages.success(request, _("Đã lưu chỉ tiêu các xã, phường và trường."))
                else:
                    messages.success(request, _("Đã lưu chỉ tiêu các huyện."))
                return redirect("rounds:detail", round_.pk)
    if round_.by_communes:
        commune_rows, school_rows = communes.commune_overview(round_, user)
        context = {"round": round_, "units": commune_rows, "schools": school_rows}
        return render(request, "rounds/round_quotas_communes.html", context)
    units = selectors.round_overview(round_, user)
    return render(request, "rounds/round_quotas.html", {"round": round_, "units": units})


@capability_required("can_approve")
def round_split(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    round_ = selectors.get_round(user, pk)
    unit, holder, schools = own_unit(request, round_)
    if request.method == "POST":
        amounts, errors = parse_amount_grid(request.POST, "s")
        for error in errors:
            messages.error(request, error)
        if not errors:
            try:
                services.split_school_quota(
                    actor=user,
                    round=round_,
                    amounts=amounts,
                    district=unit if isinstance(unit, District) else None,
                    commune=unit if isinstance(unit, Commune) else None,
                )
            except RoundsError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Đã giao chỉ tiêu cho các trường."))
                return redirect("rounds:inbox", round_.pk)
    rows = selectors.unit_inbox(round_, schools, holder)
    rows.sort(key=lambda r: r.school.name)
    return render(
        request,
        "rounds/round_split.html",
        {
            "round": round_,
            "district": unit,
            "rows": rows,
            "kinds": selectors.offered_kinds(round_),
            "progress": selectors.unit_progress(round_, holder),
        },
    )


@capability_required("can_approve")
def round_inbox(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    round_ = selectors.get_round(user, pk)
    unit, holder, schools = own_unit(request, round_)
    categories = selectors.active_categories()
    return render(
        request,
        "rounds/round_inbox.html",
        {
            "round": round_,
            "district": unit,
            "body": chain.committee_name(unit) if isinstance(unit, Commune) else "",
            **selectors.sorted_inbox(round_, schools, holder, categories, request.GET),
            "kinds": selectors.offered_kinds(round_),
            "categories": categories,
            "progress": selectors.unit_progress(round_, holder),
        },
    )
