import datetime as dt

import factory

from students.models import Household, HouseholdCategory, Student, name_keys
from tests.schools.factories import SchoolFactory


def category(code: str = "poor") -> HouseholdCategory:
    return HouseholdCategory.objects.get(code=code)


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    category = factory.LazyFunction(category)
    code = factory.Sequence(lambda n: f"HN-{n:04d}")
    commune = factory.SubFactory("tests.schools.factories.CommuneFactory")
    guardian_name = "Giàng Seo Chứ"
    guardian_phone = factory.Sequence(lambda n: f"0912{n:06d}")


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    pupil_code = factory.Sequence(lambda n: f"{1000000000 + n}")
    full_name = factory.Sequence(
        lambda n: f"Giàng Seo Phủ{'' if n == 0 else ' ' + chr(65 + n % 26)}"
    )
    name_key = factory.LazyAttribute(lambda o: name_keys(o.full_name)[0])
    sort_key = factory.LazyAttribute(lambda o: name_keys(o.full_name)[1])
    date_of_birth = dt.date(2009, 4, 21)
    gender = Student.Gender.MALE
    school = factory.SubFactory(SchoolFactory)
    class_name = "6A"
    grade = 6
    household = factory.LazyAttribute(lambda o: HouseholdFactory(commune=o.school.commune))
    commune = factory.LazyAttribute(lambda o: o.school.commune)
    need_device = "tablet"
    need_data = True
