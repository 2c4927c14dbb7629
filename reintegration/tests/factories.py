import factory
from factory.django import DjangoModelFactory

from reintegration.models import Centre, Province, Region, Role, User

TEST_PASSWORD = "Correct-Horse-Battery-9"


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
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Amina"
    last_name = "Test"
    role = Role.NATIONAL
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])

    class Params:
        coordinator = factory.Trait(role=Role.COORDINATOR, centre=factory.SubFactory(CentreFactory))
        regional = factory.Trait(role=Role.REGIONAL, region=factory.SubFactory(RegionFactory))
        official = factory.Trait(role=Role.OFFICIAL, province=factory.SubFactory(ProvinceFactory))
        national = factory.Trait(role=Role.NATIONAL)
        auditor = factory.Trait(role=Role.AUDITOR)
