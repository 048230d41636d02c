"""The admin action on offices: the plan on a confirmation page, choices in its form."""

from __future__ import annotations

from django.urls import reverse

from accounts.models import AuditEvent
from devices.models import Device
from tests.devices.transition_world import admin, table_counts, world

__all__ = ["admin", "world"]  # fixtures

URL = reverse("admin:schools_office_changelist")


def _post(client, world, **extra):
    office = world.offices["87"]
    data = {"action": "hand_over_work", "_selected_action": [office.pk], **extra}
    return client.post(URL, data)


def test_the_action_shows_the_plan_and_writes_nothing_until_confirmed(world, admin, client):
    world.held(world.a, 2)
    (device,) = world.held(world.b, 1)
    client.force_login(admin)
    before = table_counts()
    page = _post(client, world)
    assert page.status_code == 200
    text = page.content.decode()
    assert "UBND Xã Bắc Hà: 2" in text
    assert f"device:{device.serial_number}" in text
    assert table_counts() == before
    refused = _post(client, world, confirm="1")  # the split district's device unchosen
    assert refused.status_code == 200 and table_counts() == before


def test_confirming_with_the_choices_moves_everything_once(world, admin, client):
    moved = world.held(world.a, 2)
    (device,) = world.held(world.b, 1)
    client.force_login(admin)
    field = f"c__device__{device.serial_number}"
    done = _post(client, world, confirm="1", **{field: "province"})
    assert done.status_code == 302
    device.refresh_from_db()
    assert (device.holder, device.district_id) == ("province", None)
    assert set(
        Device.objects.filter(pk__in=[d.pk for d in moved]).values_list("holder", "commune")
    ) == {("commune", world.c1.pk)}
    assert AuditEvent.objects.filter(action="transition.device", actor=admin).count() == 3
    assert AuditEvent.objects.filter(action="transition.run").count() == 1


def test_the_action_needs_a_staff_user(world, client):
    from tests.accounts.factories import UserFactory, role

    world.held(world.a, 1)
    client.force_login(
        UserFactory(username="so2", role=role("province_officer"), province=world.new)
    )
    before = table_counts()
    response = _post(client, world, confirm="1")
    assert response.status_code == 302  # to the admin's login page
    assert table_counts() == before
