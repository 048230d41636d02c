"""Pages for donations. Everything but the public page is for provincial donation managers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import ViewFunc, capability_required, get_for_user
from accounts.http import AuthedRequest
from accounts.selectors import history_for
from donations import documents, exports, selectors, services
from donations.forms import (
    CashReceiptForm,
    DonorForm,
    InKindReceiptForm,
    InstalmentEditFormSet,
    InstalmentFormSet,
    PledgeForm,
    PledgeItemEditFormSet,
    PledgeItemFormSet,
    SpendingForm,
)
from donations.models import CashReceipt, Donor, InKindReceipt, Pledge, manages_donations
from donations.public import public_context
from kernel.documents import format_vnd
from kernel.exports import export_button, export_response
from kernel.sorting import Sorting


def donation_manager_required(view: ViewFunc) -> ViewFunc:
    """Login, the ``can_manage_donations`` capability and a provincial scope; else 404."""

    @capability_required("can_manage_donations")
    @wraps(view)
    def wrapped(request: AuthedRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not manages_donations(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _apply_errors(form: BaseForm, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form fields it names (else non-field)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for e in errors:
                for message in e.messages:
                    form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# ---------------------------------------------------------------- donors


RECEIPT_SORTS = {
    "ngay_nhan": ("received_on",),
    "nha_tai_tro": ("pledge__donor__name",),
    "so_chung_tu": ("reference",),
    "tai_khoan": ("account__name",),
    "so_tien": ("amount",),
    "da_chi": ("spent",),
}
SPENDING_SORTS = {
    "ngay_chi": ("spent_on",),
    "chung_tu": ("reference",),
    "muc_dich": ("purpose",),
    "so_tien": ("amount",),
}


def _querystring(request: HttpRequest) -> str:
    """The list's filters and sort, without the page, for the pagination links."""
    params = request.GET.copy()
    for name in ("page", "export", "format"):
        params.pop(name, None)
    return params.urlencode()


def _wants_export(request: HttpRequest) -> bool:
    """``?export=xlsx`` (the shared button) or the older ``?format=xlsx`` links."""
    return "xlsx" in (request.GET.get("export"), request.GET.get("format"))


def _donor_list(request: AuthedRequest) -> tuple[list[Donor], str]:
    return exports.donor_rows(request.user, request.GET), exports.query(request.GET)


@donation_manager_required
@require_http_methods(["GET"])
def donor_list(request: AuthedRequest) -> HttpResponse:
    rows, query = _donor_list(request)
    if _wants_export(request):
        return export_response(request, key=exports.DONORS, objects=rows, count=len(rows))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "donations/donor_list.html",
        {
            "page": page,
            "query": query,
            "querystring": _querystring(request),
            "sorting": exports.donor_sorting(request.GET),
            "totals": selectors.programme_totals(request.user),
            "accounts": selectors.fund_balances(request.user),
            "export": export_button(request, key=exports.DONORS, count=len(rows)),
        },
    )


@donation_manager_required
@require_http_methods(["GET"])
def donor_export(request: AuthedRequest) -> HttpResponse:
    rows, _query = _donor_list(request)
    return export_response(
        request,
        key=exports.DONORS,
        objects=rows,
        count=len(rows),
        back_to=reverse("donations:donors"),
    )


@donation_manager_required
@require_http_methods(["GET", "POST"])
def donor_create(request: AuthedRequest) -> HttpResponse:
    form = DonorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            donor = services.create_donor(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Đã thêm nhà tài trợ “%(n)s”.") % {"n": donor})
            return redirect("donations:donor_detail", pk=donor.pk)
    return render(request, "donations/form.html", {"form": form, "title": _("Thêm nhà tài trợ")})


@donation_manager_required
@require_http_methods(["GET", "POST"])
def donor_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    donor = get_for_user(Donor.objects.all(), request.user, pk=pk)
    form = DonorForm(request.POST or None, instance=donor)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_donor(actor=request.user, donor=donor, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu thông tin nhà tài trợ."))
            return redirect("donations:donor_detail", pk=donor.pk)
    return render(
        request,
        "donations/form.html",
        {"form": form, "title": _("Sửa nhà tài trợ"), "back": donor},
    )


@donation_manager_required
@require_http_methods(["GET"])
def donor_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    trace = selectors.donor_trace(user=request.user, pk=pk)
    return render(
        request,
        "donations/donor_detail.html",
        {
            "trace": trace,
            "donor": trace.donor,
            "history": history_for(trace.donor)[:20],
            "export": export_button(
                request,
                key=exports.DONOR_DEVICES,
                count=len(trace.devices) + len(trace.purchased),
                params={"donor": str(trace.donor.pk)},
                url=reverse("donations:donor_devices", args=[trace.donor.pk]),
            ),
        },
    )


@donation_manager_required
@require_http_methods(["GET"])
def donor_devices_export(request: AuthedRequest, pk: int) -> HttpResponse:
    params = {"donor": str(pk)}
    rows = exports.donor_device_rows(request.user, params)
    return export_response(
        request,
        key=exports.DONOR_DEVICES,
        objects=rows,
        count=len(rows),
        back_to=reverse("donations:donor_detail", args=[pk]),
        params=params,
    )


# ---------------------------------------------------------------- pledges


@donation_manager_required
@require_http_methods(["GET", "POST"])
def pledge_create(request: AuthedRequest, donor_pk: int) -> HttpResponse:
    donor = get_for_user(Donor.objects.all(), request.user, pk=donor_pk)
    data = request.POST if request.method == "POST" else None
    return _pledge_form(
        request,
        PledgeForm(data, user=request.user),
        PledgeItemFormSet(data, prefix="items"),
        InstalmentFormSet(data, prefix="instalments"),
        save=lambda **terms: services.create_pledge(donor=donor, **terms),
        saved=_("Đã ghi nhận cam kết."),
        context={"donor": donor},
    )


@donation_manager_required
@require_http_methods(["GET", "POST"])
def pledge_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    pledge = selectors.pledge_detail(user=request.user, pk=pk)
    data = request.POST if request.method == "POST" else None
    terms = ("pledged_on", "cash_amount", "round", "purpose", "note")
    return _pledge_form(
        request,
        PledgeForm(
            data, user=request.user, initial={name: getattr(pledge, name) for name in terms}
        ),
        PledgeItemEditFormSet(
            data,
            prefix="items",
            initial=[
                {"kind": i.kind, "quantity": i.quantity, "months": i.months}
                for i in pledge.items.all()
            ],
        ),
        InstalmentEditFormSet(
            data,
            prefix="instalments",
            initial=[
                {"due_on": i.due_on, "amount": i.amount}
                for i in pledge.instalments.order_by("due_on")
            ],
        ),
        save=lambda **terms: services.update_pledge(pledge=pledge, **terms),
        saved=_("Đã lưu cam kết."),
        context={"donor": pledge.donor, "pledge": pledge},
    )


def _pledge_form(
    request: AuthedRequest,
    form: PledgeForm,
    items: Any,
    instalments: Any,
    *,
    save: Callable[..., Any],
    saved: str,
    context: dict[str, Any],
) -> HttpResponse:
    """The pledge page, new or edited: save the valid terms, or show the form with its errors."""
    if request.method == "POST" and form.is_valid() and items.is_valid() and instalments.is_valid():
        try:
            pledge = save(
                actor=request.user,
                items=_item_specs(items),
                instalments=_instalment_specs(instalments),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, saved)
            return redirect("donations:pledge_detail", pk=pledge.pk)
    return render(
        request,
        "donations/pledge_form.html",
        {"form": form, "items": items, "instalments": instalments, **context},
    )


def _item_specs(items: Any) -> list[services.ItemSpec]:
    return [
        services.ItemSpec(kind=f["kind"], quantity=f["quantity"], months=f.get("months"))
        for f in items.cleaned_data
        if f and not f.get("DELETE")
    ]


def _instalment_specs(instalments: Any) -> list[services.InstalmentSpec]:
    return [
        services.InstalmentSpec(due_on=f["due_on"], amount=f["amount"])
        for f in instalments.cleaned_data
        if f and not f.get("DELETE")
    ]


@donation_manager_required
@require_http_methods(["GET"])
def pledge_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    pledge = selectors.pledge_detail(user=request.user, pk=pk)
    return render(
        request,
        "donations/pledge_detail.html",
        {"pledge": pledge, "history": history_for(pledge)[:20]},
    )


# ---------------------------------------------------------------- receipts


def _receipt_form(
    request: AuthedRequest,
    pledge: Pledge,
    form: BaseForm,
    record: Callable[..., Any],
    done: Callable[[Any], str],
    **context: Any,
) -> HttpResponse:
    """A receipt against a pledge from its form: ``record`` (the service) called with the
    form's fields, the pledge's page on success, the form again with the errors."""
    if request.method == "POST" and form.is_valid():
        try:
            receipt = record(actor=request.user, pledge=pledge, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, done(receipt))
            return redirect("donations:pledge_detail", pk=pledge.pk)
    return render(
        request, "donations/receipt_form.html", {"form": form, "pledge": pledge, **context}
    )


@donation_manager_required
@require_http_methods(["GET", "POST"])
def cash_receipt_create(request: AuthedRequest, pledge_pk: int) -> HttpResponse:
    pledge = selectors.pledge_detail(user=request.user, pk=pledge_pk)
    remaining: int = pledge.remaining_cash
    form = CashReceiptForm(request.POST or None, user=request.user, remaining=remaining)
    return _receipt_form(
        request,
        pledge,
        form,
        services.record_cash_receipt,
        lambda receipt: (
            _("Đã ghi nhận khoản thu %(a)s (chứng từ %(r)s).")
            % {"a": format_vnd(receipt.amount), "r": receipt.reference}
        ),
        title=_("Ghi nhận khoản thu bằng tiền"),
    )


@donation_manager_required
@require_http_methods(["GET", "POST"])
def inkind_receipt_create(request: AuthedRequest, pledge_pk: int) -> HttpResponse:
    pledge = selectors.pledge_detail(user=request.user, pk=pledge_pk)
    form = InKindReceiptForm(request.POST or None, request.FILES or None)
    return _receipt_form(
        request,
        pledge,
        form,
        services.record_inkind_receipt,
        lambda receipt: (
            _("Đã nhận %(n)s thiết bị vào kho Sở theo biên bản %(r)s.")
            % {"n": receipt.source.devices.count(), "r": receipt.source.reference}
        ),
        multipart=True,
        title=_("Nhận tài trợ bằng hiện vật (thiết bị)"),
    )


@donation_manager_required
@require_http_methods(["GET"])
def receipt_list(request: AuthedRequest) -> HttpResponse:
    receipts = exports.receipt_rows(request.user, request.GET)
    query = exports.query(request.GET)
    if _wants_export(request):
        return export_response(request, key=exports.RECEIPTS, objects=receipts)
    sorting = Sorting.from_params(request.GET, RECEIPT_SORTS, default=("-received_on", "-pk"))
    page = Paginator(sorting.apply(receipts), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "donations/receipt_list.html",
        {
            "page": page,
            "query": query,
            "querystring": _querystring(request),
            "sorting": sorting,
            "export": export_button(request, key=exports.RECEIPTS, count=page.paginator.count),
        },
    )


@donation_manager_required
@require_http_methods(["GET"])
def cash_receipt_letter(request: AuthedRequest, pk: int) -> HttpResponse:
    receipt = get_for_user(
        CashReceipt.objects.select_related("pledge__donor", "account"), request.user, pk=pk
    )
    return _pdf(documents.cash_receipt_pdf(receipt), f"giay-xac-nhan-{receipt.pk}.pdf")


@donation_manager_required
@require_http_methods(["GET"])
def inkind_receipt_letter(request: AuthedRequest, pk: int) -> HttpResponse:
    receipt = get_for_user(
        InKindReceipt.objects.select_related("pledge__donor", "source"), request.user, pk=pk
    )
    return _pdf(documents.inkind_receipt_pdf(receipt), f"giay-xac-nhan-hien-vat-{receipt.pk}.pdf")


# ---------------------------------------------------------------- spending


@donation_manager_required
@require_http_methods(["GET"])
def spending_list(request: AuthedRequest) -> HttpResponse:
    spendings = exports.spending_rows(request.user, request.GET)
    if _wants_export(request):
        return export_response(request, key=exports.SPENDINGS, objects=spendings)
    sorting = Sorting.from_params(request.GET, SPENDING_SORTS, default=("-spent_on", "-pk"))
    page = Paginator(sorting.apply(spendings), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "donations/spending_list.html",
        {
            "page": page,
            "querystring": _querystring(request),
            "sorting": sorting,
            "accounts": selectors.fund_balances(request.user),
            "export": export_button(request, key=exports.SPENDINGS, count=page.paginator.count),
        },
    )


@donation_manager_required
@require_http_methods(["GET", "POST"])
def spending_create(request: AuthedRequest) -> HttpResponse:
    receipts = selectors.available_receipts(request.user)
    form = SpendingForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        receipts=receipts,
        purchases=selectors.unlinked_purchases(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            spending = services.record_spending(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Đã ghi nhận khoản chi %(a)s.") % {"a": format_vnd(spending.amount)},
            )
            return redirect("donations:spendings")
    return render(
        request,
        "donations/form.html",
        {
            "form": form,
            "title": _("Ghi nhận khoản chi"),
            "multipart": True,
            "cancel": reverse("donations:spendings"),
        },
    )


# ---------------------------------------------------------------- public


@require_http_methods(["GET", "HEAD"])
def public(request: HttpRequest) -> HttpResponse:
    """One province's programme totals for everyone, no login: aggregates only, small counts
    hidden. ``?tinh=<id>`` picks the province (default: the first); an unknown one is 404."""
    requested = request.GET.get("tinh", "")
    if requested and not (requested.isascii() and requested.isdigit()):
        raise Http404
    return render(
        request, "donations/public.html", public_context(int(requested) if requested else None)
    )
