import factory

from schools.models import Commune, District, Province, School, SchoolSite, Village


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = "10"
    name = "Lào Cai"


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("code",)

    province = factory.SubFactory(ProvinceFactory)
    code = factory.Sequence(lambda n: f"9{n:02d}")
    name = factory.Sequence(lambda n: f"Huyện Thử {n}")


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ("code",)

    district = factory.SubFactory(DistrictFactory)
    code = factory.Sequence(lambda n: f"7{n:04d}")
    name = factory.Sequence(lambda n: f"Xã Thử {n}")


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    commune = factory.SubFactory(CommuneFactory)
    name = factory.Sequence(lambda n: f"Thôn {n}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School
        django_get_or_create = ("code",)

    commune = factory.SubFactory(CommuneFactory)
    district = factory.LazyAttribute(lambda o: o.commune.district)
    code = factory.Sequence(lambda n: f"0990{n:04d}")
    name = factory.Sequence(lambda n: f"Trường PTDTBT THCS Thử {n}")
    level = School.Level.LOWER_SECONDARY
    latitude = 22.4
    longitude = 104.0


class SchoolSiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolSite

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Điểm trường {n}")
    village = factory.LazyAttribute(lambda o: VillageFactory(commune=o.school.commune))
