from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

# Imported first so that django-otp's admins are registered and can be replaced below.
from django_otp.plugins.otp_static import admin as _otp_static_admin  # noqa: F401
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp import admin as _otp_totp_admin  # noqa: F401
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.forms import AccountImportForm
from accounts.http import AuthedRequest
from accounts.models import Activation, AuditEvent, Notification, PersonalDataAccess, Role, User
from kernel.admin import ReadOnlyAdmin


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "level",
        "can_import",
        "can_propose",
        "can_approve",
        "can_allocate",
        "can_view_reports",
        "can_view_beneficiaries",
        "can_reveal_personal_ids",
    )
    list_filter = ("level",)
    search_fields = ("name", "code")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = (
        "username",
        "full_name",
        "email",
        "role",
        "school",
        "district",
        "province",
        "is_active",
    )
    list_filter = ("role", "is_active", "district")
    search_fields = ("username", "full_name", "email", "school__code", "school__name")
    autocomplete_fields = ("school", "district")
    ordering = ("username",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Thông tin cá nhân"), {"fields": ("full_name", "email", "phone")}),
        (_("Vai trò và đơn vị"), {"fields": ("role", "province", "district", "school")}),
        (_("Quyền hệ thống"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Thời điểm"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "full_name",
                    "email",
                    "role",
                    "province",
                    "district",
                    "school",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    change_list_template = "admin/accounts/user/change_list.html"
    actions = ("reset_two_factor",)

    @admin.action(
        description=_("Đặt lại xác thực hai bước (người dùng đăng ký lại điện thoại)"),
        permissions=["change"],
    )
    def reset_two_factor(self, request: HttpRequest, queryset) -> None:
        """A lost phone: remove the users' authenticators and backup codes, audited; each
        must enrol a phone again at the next request."""
        from accounts.twofactor import reset_two_factor

        done = [
            user
            for user in queryset
            if reset_two_factor(
                actor=request.user,  # type: ignore[arg-type]  # admin pages: a signed-in staff User
                user=user,
                reason=str(_("Quản trị viên đặt lại xác thực hai bước")),
            )
        ]
        if done:
            self.message_user(
                request,
                _("Đã đặt lại xác thực hai bước của %(n)d tài khoản: %(names)s.")
                % {"n": len(done), "names": ", ".join(u.username for u in done)},
                messages.SUCCESS,
            )
        if len(done) < len(queryset):
            self.message_user(
                request,
                _("%(n)d tài khoản chưa bật xác thực hai bước nên không có gì để đặt lại.")
                % {"n": len(queryset) - len(done)},
                messages.WARNING,
            )

    def get_urls(self):
        return [
            path(
                "nhap-tu-excel/",
                self.admin_site.admin_view(self.import_view),
                name="accounts_user_import",
            )
        ] + super().get_urls()

    def import_view(self, request: AuthedRequest) -> HttpResponse:
        """Bulk creation of accounts from an .xlsx; any bad row means nothing is written."""
        from accounts.importers import import_account_list

        report = None
        form = AccountImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            report = import_account_list(
                actor=request.user,
                upload=form.cleaned_data["file"],
                dry_run=form.cleaned_data["dry_run"],
            )
            if report.ok and not form.cleaned_data["dry_run"]:
                messages.success(request, _("Đã tạo %(n)d tài khoản.") % {"n": report.created})
                messages.info(
                    request,
                    _(
                        "Tài khoản có e-mail đã được gửi thư kích hoạt; với các tài khoản khác, "
                        "hãy in phiếu mã kích hoạt tại %(url)s."
                    )
                    % {"url": reverse("accounts:activation_sheet")},
                )
                return redirect("admin:accounts_user_changelist")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "report": report,
            "title": _("Nhập tài khoản từ Excel"),
        }
        return render(request, "admin/accounts/user/import.html", context)


@admin.register(Activation)
class ActivationAdmin(ReadOnlyAdmin):
    """Read-only: activations are issued by account creation, the reset form and the sheet."""

    list_display = ("user", "channel", "status", "created_at", "expires_at", "closed_at")
    list_filter = ("status", "channel")
    search_fields = ("user__username", "user__full_name")
    exclude = ("code_hash",)
    readonly_fields = (
        "user",
        "channel",
        "status",
        "created_at",
        "expires_at",
        "closed_at",
        "sent_at",
        "failed_attempts",
        "issued_by",
    )


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "content_type", "object_repr")
    list_filter = ("action", "content_type")
    search_fields = ("object_repr", "actor__username", "reason")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "verb", "message", "read_at", "emailed_at")
    list_filter = ("verb",)
    search_fields = ("recipient__username", "message")


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    """Read-only: the access log is evidence, nobody edits or deletes it here."""

    list_display = ("at", "user", "action", "what", "object_repr", "rows")
    list_filter = ("action", "at", "content_type")
    search_fields = ("user__username", "user__full_name", "object_repr", "=object_id")
    date_hierarchy = "at"
    list_select_related = ("user",)


# --- two-factor devices: no secret shown, every removal audited -------------------------
# django-otp's own admin shows a user's TOTP key and QR code and the backup codes in
# clear, and deletes devices without an audit record. Enrolment is the user's own
# (accounts.twofactor); administrators see the devices, and removing one is recorded
# like the user list's "Đặt lại xác thực hai bước" action.


class _AuditedDeviceAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    search_fields = ("user__username", "user__full_name")
    fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj) -> None:
        self._record(request, [obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        self._record(request, list(queryset.select_related("user")))
        super().delete_queryset(request, queryset)

    def _record(self, request: HttpRequest, devices) -> None:
        from accounts.services import record_audit

        for device in devices:
            record_audit(
                actor=request.user,  # type: ignore[arg-type]  # admin pages: a signed-in staff User
                action="otp_device_deleted",
                obj=device.user,
                changes={"device": [f"{device._meta.model_name}:{device.name}", None]},
                reason=str(_("Quản trị viên xóa thiết bị xác thực hai bước")),
            )


for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _AuditedDeviceAdmin)
