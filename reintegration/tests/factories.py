import functools

import factory
from django.contrib.auth.hashers import make_password
from factory.django import DjangoModelFactory

from reintegration.models import Centre, Province, Region, Role, User

TEST_PASSWORD = "Correct-Horse-Battery-9"


@functools.cache
def hashed_test_password() -> str:
    """``TEST_PASSWORD`` hashed once for every user the tests make (the suite's hasher is set in
    conftest.py before any user is made): setting it on each user cost a hash and an UPDATE."""
    return make_password(TEST_PASSWORD)


class ProvinceFactory(DjangoModelFactory):
    """Provinces are reference data loaded by a migration; the factory only looks them up."""

    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = "01.511"


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "01"


class CentreFactory(DjangoModelFactory):
    class Meta:
        model = Centre
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: "".join(chr(65 + (n // 26**i) % 26) for i in (2, 1, 0)))
    name_fr = factory.LazyAttribute(lambda o: f"CAR {o.code}")
    name_ar = factory.LazyAttribute(lambda o: f"مركز {o.code}")
    province = factory.SubFactory(ProvinceFactory)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Amina"
    last_name = "Test"
    role = Role.NATIONAL
    password = factory.LazyFunction(hashed_test_password)

    class Params:
        coordinator = factory.Trait(role=Role.COORDINATOR, centre=factory.SubFactory(CentreFactory))
        regional = factory.Trait(role=Role.REGIONAL, region=factory.SubFactory(RegionFactory))
        official = factory.Trait(role=Role.OFFICIAL, province=factory.SubFactory(ProvinceFactory))
        national = factory.Trait(role=Role.NATIONAL)
        auditor = factory.Trait(role=Role.AUDITOR)
