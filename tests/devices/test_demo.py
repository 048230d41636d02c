import pytest

from devices import demo
from devices.models import Allocation, DataPackage, Device, StockTransfer, Subscription
from tests.devices.factories import StudentFactory, approve

pytestmark = pytest.mark.django_db


def test_demo_fills_the_stock_and_is_repeatable(
    school, district, province_official, district_officer, school_staff
):
    pupils = [StudentFactory(school=school) for _ in range(3)]
    for pupil in pupils:
        approve(pupil, "tablet")
        approve(pupil, "data")
    context = {
        "users": {
            "province": province_official,
            "district": district_officer,
            "school": school_staff,
        }
    }
    demo.seed(context)
    assert Device.objects.count() == 30
    assert DataPackage.objects.filter(free_months=3, price_vnd_per_month=50000).count() == 2
    assert Device.objects.filter(school=school).count() == 8
    assert StockTransfer.objects.filter(status=StockTransfer.Status.SENT).count() == 1
    assert Allocation.objects.count() == 3
    assert Allocation.objects.filter(status=Allocation.Status.HANDED_OVER).count() == 2
    assert Subscription.objects.count() == 3
    demo.seed(context)
    assert Device.objects.count() == 30
    assert Allocation.objects.count() == 3 and Subscription.objects.count() == 3


def test_demo_without_beneficiaries_makes_no_allocation(
    school, district, province_official, district_officer, school_staff
):
    context = {
        "users": {
            "province": province_official,
            "district": district_officer,
            "school": school_staff,
        }
    }
    demo.seed(context)
    assert Device.objects.count() == 30 and not Allocation.objects.exists()
