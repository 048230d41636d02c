"""The platform catalogue and pupils' platform accounts; thin views over services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import capability_required, get_for_user, pupil_data_required, require
from accounts.http import AuthedRequest
from platforms import rules, selectors, services
from platforms.forms import DeactivateAccountForm, LearningPlatformForm, PlatformAccountForm
from platforms.models import LearningPlatform, PlatformAccount
from students.models import Student

READ = ("can_view_reports", "can_edit_students", "can_manage_rounds")


def _errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


@capability_required(*READ)
def catalogue(request: AuthedRequest) -> HttpResponse:
    sorting = selectors.catalogue_sorting(request.GET)
    context = {
        "platforms": selectors.catalogue(request.user, sorting),
        "sorting": sorting,
        "can_manage": rules.may_manage_catalogue(request.user),
    }
    return render(request, "platforms/catalogue.html", context)


@capability_required("can_manage_rounds", "can_manage_users")
def platform_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    """Add a platform to the catalogue (``pk`` None) or change one."""
    require(rules.may_manage_catalogue(request.user))
    # The catalogue is reference data, the same for every unit (like the data packages).
    platform = LearningPlatform.objects.filter(pk=pk).first() if pk else None
    if pk and platform is None:
        require(False)
    form = LearningPlatformForm(request.POST or None, instance=platform)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_platform(
                actor=request.user, data=form.cleaned_data, platform=platform
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Đã lưu nền tảng %(name)s.") % {"name": saved.name})
            return redirect("platforms:catalogue")
    return render(request, "platforms/platform_form.html", {"form": form, "platform": platform})


@pupil_data_required
@capability_required("can_edit_students")
def account_add(request: AuthedRequest, student: int) -> HttpResponse:
    """Record the platform account the school set up for one of its pupils."""
    pupil = get_for_user(Student.objects.select_related("school"), request.user, pk=student)
    require(rules.may_manage_accounts_of(request.user, pupil))
    form = PlatformAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_platform_account(
                actor=request.user,
                student=pupil,
                platform=data["platform"],
                login_name=data["login_name"],
                set_up_on=data["set_up_on"],
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(
                request,
                _("Đã ghi tài khoản %(platform)s cho %(name)s.")
                % {"platform": data["platform"], "name": pupil.full_name},
            )
            return redirect("students:detail", pk=pupil.pk)
    context = {"form": form, "student": pupil, "accounts": selectors.accounts_of(pupil)}
    return render(
        request, "platforms/account_form.html", context, status=400 if form.errors else 200
    )


@pupil_data_required
@capability_required("can_edit_students")
@require_POST
def account_deactivate(request: AuthedRequest, pk: int) -> HttpResponse:
    account = get_for_user(PlatformAccount.objects.select_related("student"), request.user, pk=pk)
    require(rules.may_manage_accounts_of(request.user, account.student))
    form = DeactivateAccountForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    else:
        try:
            services.deactivate_platform_account(
                actor=request.user, account=account, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Đã ngừng tài khoản %(account)s.") % {"account": account})
    return redirect("students:detail", pk=account.student_id)
