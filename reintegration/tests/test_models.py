import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from reintegration.models import AuditEntry, Province, Region, Role, User
from reintegration.tests.factories import CentreFactory, ProvinceFactory, RegionFactory

pytestmark = pytest.mark.django_db


def test_the_migration_loads_the_12_regions_and_83_prefectures_and_provinces():
    assert Region.objects.count() == 12
    assert Province.objects.count() == 83
    kinds = {kind: Province.objects.filter(kind=kind).count() for kind in Province.Kind.values}
    assert kinds == {"prefecture": 13, "province": 62, "prefecture_of_arrondissements": 8}
    assert Province.objects.get(name_fr="Sidi Bernoussi").region.code == "06"


def test_the_displayed_name_follows_the_active_language():
    province = Province.objects.get(code="01.511")
    with translation.override("ar"):
        assert str(province) == "طنجة-أصيلة"
    with translation.override("fr"):
        assert str(province) == "Tanger-Assilah"


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.COORDINATOR, {}),
        (Role.REGIONAL, {}),
        (Role.OFFICIAL, {}),
        (Role.NATIONAL, {"region": "01"}),
        (Role.COORDINATOR, {"centre": True, "region": "01"}),
    ],
)
def test_the_database_refuses_a_role_with_the_wrong_scope(role, scope):
    values = {}
    if scope.get("centre"):
        values["centre"] = CentreFactory()
    if scope.get("region"):
        values["region"] = RegionFactory(code=scope["region"])
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="wrong", role=role, **values)


def test_validation_says_a_coordinator_needs_a_centre():
    user = User(username="x", role=Role.COORDINATOR)
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        user.full_clean(exclude=["password"])
    with translation.override("fr"):
        assert error.value.message_dict["centre"] == [
            "Un coordinateur de centre doit être rattaché à un centre."
        ]


def test_validation_refuses_a_scope_the_role_does_not_take():
    user = User(username="x", role=Role.NATIONAL, province=ProvinceFactory())
    with translation.override("en"), pytest.raises(ValidationError) as error:
        user.full_clean(exclude=["password"])
    assert error.value.message_dict["province"] == [
        "This role does not take a prefecture or province; leave it empty."
    ]


def test_a_superuser_created_from_the_command_line_is_a_national_administrator():
    user = User.objects.create_superuser("root", "root@example.org", "Very-Long-Pass-42")
    assert user.role == Role.NATIONAL


def test_a_centre_code_must_be_three_capital_letters():
    with pytest.raises(IntegrityError), transaction.atomic():
        CentreFactory(code="tn1")


def test_audit_entries_cannot_be_changed_or_deleted():
    entry = AuditEntry.objects.create(action="auth.login", actor_label="someone")
    entry.actor_label = "someone else"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(actor_label="rewritten")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).actor_label == "someone"
