"""Demo users, one per role; only ever created with DEBUG on."""

from __future__ import annotations

from accounts.models import Role, User
from schools.models import District, Province, School

DEMO_USERS = [
    ("demo_truong", "Nguyễn Thị Hoa", "school_staff", "school", "08700002"),
    ("demo_phong", "Hoàng Văn Thắng", "district_officer", "district", "87"),
    ("demo_so", "Lê Minh Đức", "province_officer", "province", "10"),
    ("demo_admin", "Quản trị hệ thống", "admin", "admin", ""),
]


def seed(context: dict) -> None:
    password = context["password"]
    for username, full_name, role_code, level, unit in DEMO_USERS:
        user = User.objects.filter(username=username).first() or User(username=username)
        user.full_name = full_name
        user.email = f"{username}@example.vn"
        user.role = Role.objects.get(code=role_code)
        user.school = School.objects.get(code=unit) if level == "school" else None
        user.district = District.objects.get(code=unit) if level == "district" else None
        user.province = Province.objects.get(code=unit) if level == "province" else None
        user.is_staff = user.is_superuser = level == "admin"
        user.set_password(password)
        user.save()
        context.setdefault("users", {})[level] = user
