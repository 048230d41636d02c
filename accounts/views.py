"""Login, the role's home page, notifications and password pages."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.access import capability_required, no_store
from accounts.forms import LoginForm
from accounts.home import home_summary
from schools import selectors as school_selectors


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on its own unit: its school, its district, or the province."""
    user = request.user
    scope = user.scope  # type: ignore[union-attr]
    if scope.is_school:
        context = {"school": school_selectors.school_overview(user=user, pk=scope.school_id)}
        template = "accounts/home_school.html"
    elif scope.is_district:
        context = {"district": school_selectors.district_overview(user=user, pk=scope.district_id)}
        template = "accounts/home_district.html"
    elif scope.is_provincial:
        context = {"districts": school_selectors.province_overview(user=user)}
        template = "accounts/home_province.html"
    else:
        return render(request, "accounts/home_none.html")
    return render(request, template, {**context, "stats": home_summary(user)})


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notifications_for(request.user), 30).get_page(
        request.GET.get("page")
    )  # type: ignore[arg-type]
    return render(request, "accounts/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_mark_read(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    services.mark_notifications_read(user=request.user, ids=ids)  # type: ignore[arg-type]
    return redirect("accounts:notifications")


ACCESSES_PER_PAGE = 50


@capability_required("can_manage_users")
@no_store
def data_access_list(request: HttpRequest) -> HttpResponse:
    """Who viewed, revealed or exported pupil-level data: per user, per pupil, per date."""
    filters = selectors.AccessFilters.from_params(request.GET)
    accesses = selectors.data_accesses(request.user, filters)  # type: ignore[arg-type]
    page = Paginator(accesses, ACCESSES_PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "accounts/data_access_list.html",
        {"page": page, "filters": filters, "querystring": params.urlencode()},
    )
