"""Login, the role's home page, notifications and password pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.middleware import is_verified

from accounts import access, selectors, services, twofactor
from accounts.access import capability_required, no_store
from accounts.documents import activation_sheet_pdf
from accounts.forms import (
    ActivationCodeForm,
    ActivationLinkForm,
    ActivationSheetForm,
    LoginForm,
    OTPTokenForm,
    PortalPasswordResetForm,
    ReconfirmForm,
)
from accounts.home import home_summary
from accounts.http import AuthedRequest
from accounts.office_card import office_card
from accounts.throttling import client_ip, hit_password_reset
from kernel.setup_checks import run_checks
from kernel.sorting import Sorting
from schools import selectors as school_selectors


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset form, throttled per client address and per e-mail asked for."""

    template_name = "accounts/password_reset.html"
    form_class = PortalPasswordResetForm
    email_template_name = "accounts/password_reset_email.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        if hit_password_reset(ip=client_ip(self.request), email=form.cleaned_data["email"]):
            form.add_error(
                None,
                _(
                    "Đã có quá nhiều yêu cầu đặt lại mật khẩu. Hãy thử lại sau %(n)d phút "
                    "hoặc liên hệ quản trị viên."
                )
                % {"n": settings.PASSWORD_RESET_WINDOW_MINUTES},
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: AuthedRequest) -> HttpResponse:
    """The second step of logging in: a code from the authenticator app or a backup code."""
    if is_verified(request.user):
        return HttpResponseRedirect(_next_url(request))
    if not twofactor.has_confirmed_device(request.user):
        return redirect("accounts:otp_enrol")
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return HttpResponseRedirect(_next_url(request))
        form.add_error("token", _("Mã xác thực không đúng hoặc đã hết hạn."))
    return render(
        request, "accounts/otp_verify.html", {"form": form, "next": request.GET.get("next", "")}
    )


@login_required
@require_http_methods(["GET", "POST"])
def otp_enrol(request: AuthedRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code, type one code, keep the backup codes."""
    user = request.user
    replacing = twofactor.has_confirmed_device(user)
    if replacing and not is_verified(user):
        # Replacing a phone needs the second factor first (or an administrator).
        return redirect("accounts:otp_verify")
    if replacing and not twofactor.recently_reconfirmed(request):
        messages.info(
            request,
            _("Để đổi điện thoại, hãy nhập lại mật khẩu và một mã xác thực hiện tại."),
        )
        return redirect("accounts:otp_manage")
    device = twofactor.pending_totp_device(user)
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = twofactor.confirm_totp_device(
            user=user, device=device, token=form.cleaned_data["token"]
        )
        if codes is not None:
            otp_login(request, device)
            twofactor.end_reconfirmation(request)
            if replacing:
                messages.success(
                    request,
                    _(
                        "Đã chuyển xác thực hai bước sang điện thoại mới; điện thoại cũ không còn dùng được."
                    ),
                )
            else:
                messages.success(request, _("Đã bật xác thực hai bước cho tài khoản."))
            return render(
                request,
                "accounts/otp_backup_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
        form.add_error("token", _("Mã xác thực không đúng. Hãy nhập mã đang hiện trong ứng dụng."))
    context = {
        "form": form,
        "replacing": replacing,
        "qr_svg": twofactor.qr_svg(device),
        "secret": twofactor.readable_secret(device),
        "next": request.GET.get("next", request.POST.get("next", "")),
    }
    return render(request, "accounts/otp_enrol.html", context)


@login_required
@no_store
@require_http_methods(["GET", "POST"])
def otp_manage(request: AuthedRequest) -> HttpResponse:
    """A user's own second factor: replace the phone, or regenerate the backup codes,
    each after the password and a current code are confirmed again."""
    user = request.user
    if not twofactor.has_confirmed_device(user):
        return redirect("accounts:otp_enrol")
    if not is_verified(user):
        return redirect(f"{reverse('accounts:otp_verify')}?{urlencode({'next': request.path})}")
    form = ReconfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        error = twofactor.reconfirm(
            request=request,
            user=user,
            password=form.cleaned_data["password"],
            token=form.cleaned_data["token"],
        )
        if error is not None:
            form.add_error(None, error)
        elif form.cleaned_data["action"] == "replace":
            return redirect("accounts:otp_enrol")
        else:
            twofactor.end_reconfirmation(request)
            codes = twofactor.regenerate_backup_codes(user=user)
            messages.success(request, _("Đã tạo mã dự phòng mới; các mã cũ không còn dùng được."))
            return render(
                request,
                "accounts/otp_backup_codes.html",
                {"codes": codes, "next": reverse("accounts:otp_manage"), "regenerated": True},
            )
    chosen = form.data.get("action", "")
    forms = [
        (action, label, form if action == chosen else ReconfirmForm(initial={"action": action}))
        for action, label in ReconfirmForm.ACTIONS
    ]
    return render(
        request,
        "accounts/otp_manage.html",
        {
            "forms": forms,
            "codes_left": twofactor.backup_codes_left(user),
        },
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """Each role lands on its own unit: its school, its district, or the province."""
    user = request.user
    context: dict[str, object]
    if access.is_school_user(user):
        pk = access.own_school_id(user)
        context = {"school": school_selectors.school_overview(user=user, pk=pk)}
        template = "accounts/home_school.html"
    elif access.is_district_user(user):
        pk = access.own_district_id(user)
        context = {"district": school_selectors.district_overview(user=user, pk=pk)}
        template = "accounts/home_district.html"
    elif access.is_commune_user(user):
        commune, schools = school_selectors.commune_overview(
            user=user, pk=access.own_commune_id(user)
        )
        context = {"commune": commune, "school_list": schools}
        template = "accounts/home_commune.html"
    elif access.is_provincial_user(user):
        context = {"districts": school_selectors.province_overview(user=user)}
        template = "accounts/home_province.html"
    else:
        return render(request, "accounts/home_none.html")
    if user.can("can_manage_users"):
        items = run_checks()
        context["setup"] = {"done": sum(i.done for i in items), "total": len(items)}
    context["office_card"] = office_card(user)
    return render(request, template, {**context, "stats": home_summary(user)})


@login_required
def notifications(request: AuthedRequest) -> HttpResponse:
    page = Paginator(selectors.notifications_for(request.user), 30).get_page(
        request.GET.get("page")
    )
    return render(request, "accounts/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_mark_read(request: AuthedRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    services.mark_notifications_read(user=request.user, ids=ids)
    return redirect("accounts:notifications")


ACCESSES_PER_PAGE = 50
ACCESS_SORTS = {
    "thoi_diem": ("at",),
    "nguoi": ("user__full_name", "user__username"),
    "hanh_dong": ("action",),
    "du_lieu": ("what",),
    "doi_tuong": ("object_repr",),
    "so_dong": ("rows",),
}


@capability_required("can_manage_users")
@no_store
def data_access_list(request: AuthedRequest) -> HttpResponse:
    """Who viewed, revealed or exported pupil-level data: per user, per pupil, per date."""
    filters = selectors.AccessFilters.from_params(request.GET)
    accesses = selectors.data_accesses(request.user, filters)
    sorting = Sorting.from_params(request.GET, ACCESS_SORTS, default=("-at", "-pk"))
    page = Paginator(sorting.apply(accesses), ACCESSES_PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "querystring": params.urlencode(),
        "sorting": sorting,
    }
    return render(request, "accounts/data_access_list.html", context)


# --------------------------------------------------------------------------- activation

# As Django's password reset does, the link's token leaves the address bar (and any Referer)
# at once: it is kept in the session and the page is reached through this placeholder.
_LINK_SESSION_KEY = "_activation_token"
_LINK_PLACEHOLDER = "dat-mat-khau"


def _activated(request: HttpRequest) -> HttpResponse:
    messages.success(request, _("Tài khoản đã được kích hoạt. Hãy đăng nhập bằng mật khẩu mới."))
    return redirect("accounts:login")


@require_http_methods(["GET", "POST"])
def activate_link(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """The e-mailed one-time link: set the account's first password."""
    if token != _LINK_PLACEHOLDER:
        request.session[_LINK_SESSION_KEY] = token
        return redirect("accounts:activate_link", pk=pk, token=_LINK_PLACEHOLDER)
    try:
        activation = services.activation_for_link(pk, request.session.get(_LINK_SESSION_KEY, ""))
    except services.ActivationError as exc:
        return render(request, "accounts/activate.html", {"error": str(exc)}, status=404)
    form = ActivationLinkForm(activation.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.activate_account(
                activation=activation, password=form.cleaned_data["new_password1"]
            )
        except services.ActivationError as exc:
            return render(request, "accounts/activate.html", {"error": str(exc)}, status=404)
        request.session.pop(_LINK_SESSION_KEY, None)
        return _activated(request)
    return render(request, "accounts/activate.html", {"form": form, "account": activation.user})


@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest) -> HttpResponse:
    """The printed code: username, code and the first password."""
    form = ActivationCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        assert form.activation is not None
        try:
            services.activate_account(
                activation=form.activation, password=form.cleaned_data["new_password1"]
            )
        except services.ActivationError as exc:
            form.add_error(None, str(exc))
        else:
            return _activated(request)
    return render(request, "accounts/activate.html", {"form": form, "with_code": True})


# Awaiting activation: the unit column is built from three relations, so it keeps the
# selector's own order (by unit) and is not offered as a sort key.
PENDING_SORTS = {
    "ten": ("full_name",),
    "dang_nhap": ("username",),
    "vai_tro": ("role__name",),
    "email": ("email",),
}
PENDING_DEFAULT = ("school__district__name", "district__name", "school__name", "username")


@capability_required("can_manage_users", "can_manage_rounds")
@no_store
@require_http_methods(["GET", "POST"])
def activation_sheet(request: AuthedRequest) -> HttpResponse:
    """Accounts awaiting activation, and a PDF of new activation codes for them."""
    access.require(access.is_provincial_user(request.user))
    districts = school_selectors.visible_districts(request.user).order_by("name")
    form = ActivationSheetForm(request.POST or request.GET or None, districts=districts)
    district = school = None
    if form.is_bound and form.is_valid():
        district = form.cleaned_data["district"]
        school = form.cleaned_data["school"].strip()
    pending = selectors.awaiting_activation_in_scope(
        request.user, district_id=district.pk if district else None, school_code=school or ""
    )
    if request.method == "POST" and form.is_valid():
        users = list(pending)
        if not users:
            messages.info(
                request, _("Không có tài khoản nào đang chờ kích hoạt trong phạm vi đã chọn.")
            )
            return redirect("accounts:activation_sheet")
        issued = services.print_activation_codes(actor=request.user, users=users)
        pdf = activation_sheet_pdf(issued)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="phieu-ma-kich-hoat.pdf"'
        return response
    sorting = Sorting.from_params(request.GET, PENDING_SORTS, default=PENDING_DEFAULT)
    page = Paginator(sorting.apply(pending), 100).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {"form": form, "page": page, "sorting": sorting, "querystring": params.urlencode()}
    return render(request, "accounts/activation_sheet.html", context)


@capability_required("can_manage_users")
@require_http_methods(["GET"])
def setup_checklist(request: AuthedRequest) -> HttpResponse:
    """The first-run checklist: what must be set up before schools can use the portal."""
    items = run_checks()
    done = sum(1 for item in items if item.done)
    return render(
        request,
        "accounts/setup_checklist.html",
        {"items": items, "done": done, "total": len(items)},
    )
