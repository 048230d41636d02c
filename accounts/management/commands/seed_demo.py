"""Create the demo data set: places, schools, one user per role and each app's demo records."""

import importlib
import secrets

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

# Each app may ship a ``demo.py`` with ``seed(context)``; they run in dependency order. Then
# those with ``seed_after_reform(context)`` run in the same order: the province since 1 July
# 2025 (the new Lào Cai, commune officers, a round of the commune chain), once the records of
# the old province are all in place.
DEMO_APPS = [
    "schools",
    "accounts",
    "students",
    "rounds",
    "platforms",
    "devices",
    "coverage",
    "donations",
    "reports",
]


class Command(BaseCommand):
    help = "Tạo dữ liệu mẫu và tài khoản demo (chỉ khi DEBUG bật)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Bỏ qua nếu cơ sở dữ liệu đã có người dùng"
        )

    def handle(self, *args, if_empty: bool = False, **options):
        if not settings.DEBUG:
            raise CommandError("Tài khoản demo chỉ được tạo khi DEBUG=True.")
        from accounts.models import User

        if if_empty and User.objects.exists():
            self.stdout.write("Cơ sở dữ liệu đã có dữ liệu; không tạo dữ liệu mẫu.")
            return
        password = settings.DEMO_PASSWORD or secrets.token_urlsafe(9)
        context: dict = {"password": password, "stdout": self.stdout}
        with transaction.atomic():
            modules = []
            for label in DEMO_APPS:
                if not apps.is_installed(label):
                    continue
                try:
                    modules.append(importlib.import_module(f"{label}.demo"))
                except ModuleNotFoundError:
                    continue
            for module in modules:
                module.seed(context)
            for module in modules:
                if hasattr(module, "seed_after_reform"):
                    module.seed_after_reform(context)
        line = "=" * 64
        self.stdout.write(line)
        self.stdout.write("Tài khoản demo (mật khẩu chỉ hiện một lần):")
        for username, role in [
            ("demo_truong", "Trường PTDTBT THCS Tân Tiến (08700002)"),
            ("demo_phong", "Phòng GD&ĐT huyện Bảo Yên (đến 30/6/2025)"),
            ("demo_so", "Sở GD&ĐT tỉnh Lào Cai (từ 1/7/2025, gồm Lào Cai và Yên Bái cũ)"),
            ("demo_xa", "UBND xã Nghĩa Đô (từ 1/7/2025)"),
            ("demo_xa_mcc", "UBND xã Mù Cang Chải (từ 1/7/2025, Yên Bái cũ)"),
            ("demo_admin", "Quản trị hệ thống"),
        ]:
            self.stdout.write(f"  {username:<12} {role}")
        self.stdout.write(f"  Mật khẩu: {password}")
        self.stdout.write(line)
