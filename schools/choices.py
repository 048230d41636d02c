"""Vocabularies shared by several apps (devices, rounds, coverage, donations)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeviceType(models.TextChoices):
    DESKTOP = "desktop", _("Máy tính để bàn")
    LAPTOP = "laptop", _("Máy tính xách tay")
    TABLET = "tablet", _("Máy tính bảng")
    SMARTPHONE = "smartphone", _("Điện thoại thông minh")


class DeviceNeed(models.TextChoices):
    """What a pupil asks for; "computer" is satisfied by a desktop or a laptop."""

    NONE = "", _("Không cần thiết bị")
    COMPUTER = "computer", _("Máy tính")
    TABLET = "tablet", _("Máy tính bảng")
    SMARTPHONE = "smartphone", _("Điện thoại thông minh")


NEED_SATISFIED_BY: dict[str, frozenset[str]] = {
    DeviceNeed.COMPUTER: frozenset({DeviceType.DESKTOP, DeviceType.LAPTOP}),
    DeviceNeed.TABLET: frozenset({DeviceType.TABLET}),
    DeviceNeed.SMARTPHONE: frozenset({DeviceType.SMARTPHONE}),
}


class SupportKind(models.TextChoices):
    """A kind of support a round offers and a quota counts."""

    COMPUTER = "computer", _("Máy tính")
    TABLET = "tablet", _("Máy tính bảng")
    SMARTPHONE = "smartphone", _("Điện thoại thông minh")
    DATA = "data", _("Gói cước dữ liệu")


class Carrier(models.TextChoices):
    VIETTEL = "viettel", "Viettel"
    VNPT = "vnpt", "VNPT (VinaPhone)"
    MOBIFONE = "mobifone", "MobiFone"
    VIETNAMOBILE = "vietnamobile", "Vietnamobile"
    GMOBILE = "gmobile", "Gmobile"
    ITEL = "itel", "iTel"
