import datetime as dt

import factory

from devices.models import DataPackage, Device, DeviceSource, Subscription
from devices.validators import luhn_check_digit
from schools.choices import Carrier, DeviceType
from tests.accounts.factories import UserFactory


def make_imei(n: int) -> str:
    body = f"35{n:012d}"
    return body + luhn_check_digit(body)


class DeviceSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeviceSource

    kind = DeviceSource.Kind.PURCHASE
    reference = factory.Sequence(lambda n: f"HĐ-{n:03d}/2021")
    received_on = dt.date(2021, 10, 1)
    created_by = factory.SubFactory(UserFactory)


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Device

    device_type = DeviceType.TABLET
    make = "Samsung"
    model_name = "Galaxy Tab A7 Lite"
    serial_number = factory.Sequence(lambda n: f"R9XT{n:06d}")
    imei = factory.Sequence(lambda n: make_imei(n + 1))
    source = factory.SubFactory(DeviceSourceFactory)
    holder = Device.Holder.PROVINCE


class DataPackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataPackage
        django_get_or_create = ("carrier", "name")

    carrier = Carrier.VNPT
    name = "EDU4G"
    data_per_day_mb = 4096
    price_vnd_per_month = 50000
    free_months = 3


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    package = factory.SubFactory(DataPackageFactory)
    carrier = factory.LazyAttribute(lambda o: o.package.carrier)
    phone = factory.Sequence(lambda n: f"091{n:07d}")
    iccid = factory.Sequence(lambda n: f"8984{n:015d}")
    created_by = factory.SubFactory(UserFactory)
