"""Demo users, one per role; only ever created with DEBUG on."""

from __future__ import annotations

from accounts.models import Role, User
from schools.models import GENERATION_2025, Commune, District, Province, School

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


# Commune officers since 1 July 2025: (username, name, code of the 2025 commune).
COMMUNE_USERS = [
    # Xã Nghĩa Đô: old Tân Tiến, Nghĩa Đô and Vĩnh Yên of Bảo Yên (the demo school's commune).
    ("demo_xa", "Vi Thị Hạnh", "2953"),
    # Xã Mù Cang Chải: the former Yên Bái township and communes Mồ Dề, Chế Cu Nha, Kim Nọi.
    ("demo_xa_mcc", "Giàng A Dế", "4456"),
]


def seed_after_reform(context: dict) -> None:
    """Since 1 July 2025 the Sở of the new Lào Cai (old Lào Cai and old Yên Bái) runs the
    programme: the demo's provincial officer works there now (the 2021 records stay the old
    province's, which the new one reads as its predecessor), and commune officers decide
    for their communes' schools."""
    users = context.setdefault("users", {})
    new = Province.objects.filter(generation_id=GENERATION_2025, code="15").first()
    province_user = users.get("province")
    if new is None:
        return
    if province_user is not None and province_user.province_id != new.pk:
        province_user.province = new
        province_user.save(update_fields=["province"])
        # Read again: the scope (and what the manager annotates for it) was the old province's.
        users["province"] = User.objects.get(pk=province_user.pk)
    role = Role.objects.get(code="commune_officer")
    for username, full_name, code in COMMUNE_USERS:
        commune = Commune.objects.filter(generation_id=GENERATION_2025, code=code).first()
        if commune is None:
            continue
        user = User.objects.filter(username=username).first() or User(username=username)
        user.full_name = full_name
        user.email = f"{username}@example.vn"
        user.role = role
        user.school = user.district = user.province = None
        user.commune = commune
        user.set_password(context["password"])
        user.save()
        users[username] = User.objects.get(pk=user.pk)
