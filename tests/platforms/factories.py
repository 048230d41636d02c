import datetime as dt

import factory

from platforms.models import LearningPlatform, PlatformAccount


class LearningPlatformFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningPlatform
        django_get_or_create = ("name",)

    name = "OLM"
    url = "https://olm.vn"
    operator = "OLM.VN"
    kind = LearningPlatform.Kind.LEARNING


class PlatformAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlatformAccount

    platform = factory.SubFactory(LearningPlatformFactory)
    login_name = factory.Sequence(lambda n: f"hs.{n}")
    set_up_on = dt.date(2021, 10, 1)
