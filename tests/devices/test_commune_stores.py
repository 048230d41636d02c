"""Commune committees hold devices since 1 July 2025: the Sở sends to them, they confirm
and send on to their schools; another commune's officer sees none of it (404)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from devices import services
from devices.models import Device, StockTransfer
from tests.accounts.factories import UserFactory, role
from tests.devices.factories import DeviceFactory
from tests.devices.transition_world import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db, time_machine):
    time_machine.move_to("2025-08-01 09:00 +07:00")
    world = World()
    world.so = UserFactory(username="so_moi", role=role("province_officer"), province=world.new)
    world.xa = UserFactory(username="xa_bac_ha", role=role("commune_officer"), commune=world.c1)
    world.xa_khac = UserFactory(
        username="xa_nghia_do", role=role("commune_officer"), commune=world.c2
    )
    return world


def _send_to_commune(world, n: int = 2) -> StockTransfer:
    devices = [DeviceFactory(source=world.source) for _ in range(n)]
    return services.create_transfer(actor=world.so, devices=devices, to_commune=world.c1)


def test_the_province_sends_to_a_commune_committee_which_confirms_into_its_store(world):
    transfer = _send_to_commune(world)
    assert StockTransfer.objects.visible_to(world.xa).filter(pk=transfer.pk).exists()
    assert not StockTransfer.objects.visible_to(world.xa_khac).filter(pk=transfer.pk).exists()
    services.confirm_transfer(actor=world.xa, transfer=transfer)
    held = Device.objects.filter(transfers=transfer)
    assert set(held.values_list("holder", "commune_id", "district_id", "status")) == {
        ("commune", world.c1.pk, None, "in_stock")
    }
    assert set(Device.objects.visible_to(world.xa)) == set(held)
    assert not Device.objects.visible_to(world.xa_khac).exists()


def test_another_commune_cannot_confirm_and_its_device_pages_answer_404(world, client):
    transfer = _send_to_commune(world)
    with pytest.raises(Http404):
        services.confirm_transfer(actor=world.xa_khac, transfer=transfer)
    services.confirm_transfer(actor=world.xa, transfer=transfer)
    device = Device.objects.filter(transfers=transfer).first()
    client.force_login(world.xa_khac, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("devices:device_detail", args=[device.pk])).status_code == 404
    assert client.get(reverse("devices:transfer_detail", args=[transfer.pk])).status_code == 404
    client.force_login(world.xa, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("devices:device_detail", args=[device.pk])).status_code == 200


def test_a_commune_committee_sends_to_its_own_schools_only(world):
    transfer = _send_to_commune(world)
    services.confirm_transfer(actor=world.xa, transfer=transfer)
    devices = list(Device.objects.filter(transfers=transfer))
    with pytest.raises(Http404):
        services.create_transfer(actor=world.xa, devices=devices, to_school=world.school_b)
    with pytest.raises(ValidationError):
        services.create_transfer(actor=world.xa, devices=devices, to_commune=world.c2)
    onward = services.create_transfer(actor=world.xa, devices=devices, to_school=world.school_a)
    assert (onward.from_commune_id, onward.to_school_id) == (world.c1.pk, world.school_a.pk)
    assert {d.status for d in Device.objects.filter(transfers=onward)} == {"in_transit"}
