from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils import translation

from accounts.selectors import find_role, role_list_text
from accounts.services import create_user


class Command(BaseCommand):
    help = (
        "Tạo tài khoản gắn với một đơn vị: --role school|district|province|admin "
        "(hoặc mã hay tên vai trò) --unit MÃ. Không có --password: tài khoản nhận thư kích hoạt."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help="Mã vai trò, hoặc tên vai trò")
        parser.add_argument(
            "--unit",
            default="",
            help="Mã trường (role school), mã huyện (role district) hoặc mã xã/phường "
            "từ 1/7/2025 (role commune)",
        )
        parser.add_argument("--password", default=None)
        parser.add_argument("--full-name", default="")
        parser.add_argument("--email", default="")

    def handle(self, *args, **opts):
        # Password rules and unit errors in the portal's language, not the shell's.
        with translation.override(settings.LANGUAGE_CODE):
            role = find_role(opts["role"])
            if role is None:
                raise CommandError(
                    f"Không có vai trò “{opts['role']}”. Các vai trò (mã – tên):\n"
                    f"{role_list_text()}"
                )
            try:
                user = create_user(
                    actor=None,
                    username=opts["username"],
                    role=role,
                    unit_code=opts["unit"],
                    full_name=opts["full_name"],
                    email=opts["email"],
                    password=opts["password"],
                )
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã tạo tài khoản {user.username} ({role.name}, {user.unit_label})."
            )
        )
        if opts["password"]:
            return
        if user.email:
            self.stdout.write(f"Đã gửi thư kích hoạt tới {user.email}.")
        else:
            sheet = settings.SITE_URL.rstrip("/") + reverse("accounts:activation_sheet")
            self.stdout.write(f"Tài khoản chưa có e-mail: in phiếu mã kích hoạt tại {sheet}.")
