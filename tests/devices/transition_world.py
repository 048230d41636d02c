"""The world of the transition tests: an old province of two districts and its successor.

District A (Bắc Hà): both communes went to one 2025 commune, so its successor is clear.
District B (Bảo Yên): its communes went to two 2025 communes (one of them split between
both), so its devices, transfers and quotas wait for the administrator's choice.
Offices as ``load_units`` records them: district offices to 30/06/2025, commune
committees and the Sở from 01/07/2025.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from devices.models import Device, StockTransfer
from schools.models import GENERATION_2021, GENERATION_2025, CommuneSuccession, Office
from tests.accounts.factories import UserFactory, role
from tests.devices.factories import DeviceFactory, DeviceSourceFactory
from tests.schools.factories import (
    CommuneFactory,
    DistrictFactory,
    ProvinceFactory,
    SchoolFactory,
)

AFTER = dt.date(2025, 7, 2)
LAST_DAY = dt.date(2025, 6, 30)
REFORM = dt.date(2025, 7, 1)


def sql(query: str, params: tuple = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return [tuple(row) for row in cursor.fetchall()]


def table_counts() -> dict[str, int]:
    tables = [
        "devices_device",
        "devices_stocktransfer",
        "devices_stocktransfer_devices",
        "rounds_quota",
        "rounds_proposal",
        "rounds_supportround",
        "schools_schoolplacement",
        "accounts_auditevent",
    ]
    return {t: sql(f"SELECT COUNT(*) FROM {t}")[0][0] for t in tables}  # noqa: S608 - fixed names


class World:
    def __init__(self) -> None:
        self.old = ProvinceFactory(code="10", name="Lào Cai", generation_id=GENERATION_2021)
        self.new = ProvinceFactory(code="15", name="Lào Cai", generation_id=GENERATION_2025)
        self.a = DistrictFactory(province=self.old, code="85", name="Huyện Bắc Hà")
        self.b = DistrictFactory(province=self.old, code="87", name="Huyện Bảo Yên")
        a1 = CommuneFactory(district=self.a, code="02800", name="Xã Bản Phố")
        a2 = CommuneFactory(district=self.a, code="02801", name="Xã Bản Liền")
        b1 = CommuneFactory(district=self.b, code="02950", name="Xã Nghĩa Đô")
        b2 = CommuneFactory(district=self.b, code="02953", name="Xã Tân Tiến")

        def current(code: str, name: str):
            return CommuneFactory(
                district=None,
                province=self.new,
                generation_id=GENERATION_2025,
                code=code,
                name=name,
            )

        self.c1 = current("15100", "Xã Bắc Hà")
        self.c2 = current("15200", "Xã Nghĩa Đô")
        self.c3 = current("15300", "Xã Bảo Yên")
        # Xã Minh Tân was split: part to Nghĩa Đô, part to Bảo Yên.
        self.split = CommuneFactory(district=self.b, code="02956", name="Xã Minh Tân")
        lines = [(a1, self.c1), (a2, self.c1), (b1, self.c2), (b2, self.c3)]
        lines += [(self.split, self.c2), (self.split, self.c3)]
        for old, new in lines:
            CommuneSuccession.objects.create(old=old, new=new, partial=old == self.split)
        self.old.successor = self.new
        self.old.save()
        self.offices = self._offices()
        self.school_a = SchoolFactory(commune=a1, code="08500001", name="Trường TH Bản Phố")
        self.thpt_a = SchoolFactory(
            commune=a2, code="08500002", name="Trường THPT Bắc Hà", level="THPT"
        )
        self.school_b = SchoolFactory(commune=b1, code="08700001", name="Trường TH Nghĩa Đô")
        self.school_split = SchoolFactory(
            commune=self.split, code="08700002", name="Trường TH&THCS Minh Tân", level="TH&THCS"
        )
        self.officer = UserFactory(
            username="so_cu", role=role("province_officer"), province=self.old
        )
        self.source = DeviceSourceFactory(created_by=self.officer)

    def _offices(self) -> dict[str, Office]:
        offices = {}
        for district in (self.a, self.b):
            offices[district.code] = Office.objects.create(
                kind=Office.Kind.DISTRICT_OFFICE,
                name=f"Phòng GD&ĐT {district.name}",
                province=self.old,
                district=district,
                valid_to=LAST_DAY,
            )
        for commune in (self.c1, self.c2, self.c3):
            offices[commune.code] = Office.objects.create(
                kind=Office.Kind.COMMUNE_COMMITTEE,
                name=f"UBND {commune.name}",
                province=self.new,
                commune=commune,
                valid_from=REFORM,
            )
        offices["so"] = Office.objects.create(
            kind=Office.Kind.DEPARTMENT,
            name="Sở GD&ĐT Lào Cai",
            province=self.new,
            valid_from=REFORM,
        )
        return offices

    def held(self, district, n: int, **kw) -> list[Device]:
        return [
            DeviceFactory(
                source=self.source, holder=Device.Holder.DISTRICT, district=district, **kw
            )
            for _ in range(n)
        ]

    def in_transit_to(self, district, n: int) -> StockTransfer:
        devices = [
            DeviceFactory(source=self.source, status=Device.Status.IN_TRANSIT) for _ in range(n)
        ]
        transfer = StockTransfer.objects.create(to_district=district, sent_by=self.officer)
        transfer.devices.set(devices)
        return transfer


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def admin(db):
    return UserFactory(username="quantri", role=role("admin"), is_staff=True, is_superuser=True)
