import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from reintegration.models import ROLE_SCOPE_FIELD, Centre, Role
from reintegration.scoping import NATIONWIDE_ROLES, ROLE_SCOPE, get_visible_or_404
from reintegration.tests.factories import CentreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def centres(centre):
    """Tanger (the users' centre), Tétouan in the same region, Casablanca elsewhere."""
    return {
        "tanger": centre,
        "tetouan": CentreFactory(code="TET", province__code="01.571"),
        "casablanca": CentreFactory(code="CAS", province__code="06.141"),
    }


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("coordinator", {"TNG"}),
        ("regional", {"TNG", "TET"}),
        ("official", {"TNG"}),
        ("national", {"TNG", "TET", "CAS"}),
        ("auditor", {"TNG", "TET", "CAS"}),
    ],
)
def test_each_role_sees_the_centres_of_its_scope(users, centres, role, expected):
    visible = Centre.objects.visible_to(users[role])
    assert set(visible.values_list("code", flat=True)) == expected


def test_an_anonymous_visitor_sees_nothing(centres):
    assert not Centre.objects.visible_to(AnonymousUser()).exists()


def test_a_deactivated_account_sees_nothing(users, centres):
    user = users["national"]
    user.is_active = False
    assert not Centre.objects.visible_to(user).exists()


def test_an_object_outside_the_scope_is_indistinguishable_from_a_missing_one(users, centres):
    coordinator = users["coordinator"]
    assert get_visible_or_404(Centre.objects, coordinator, pk=centres["tanger"].pk)
    with pytest.raises(Http404):
        get_visible_or_404(Centre.objects, coordinator, pk=centres["casablanca"].pk)
    with pytest.raises(Http404):
        get_visible_or_404(Centre.objects, coordinator, pk=987654)


def test_the_scopes_spelled_out_for_scoping_are_the_roles_of_the_user_model():
    # scoping.py cannot import Role (models imports it): its role names must still be Role's.
    assert set(NATIONWIDE_ROLES) | set(ROLE_SCOPE) == set(Role.values)
    assert {role: ROLE_SCOPE.get(role) for role in Role.values} == ROLE_SCOPE_FIELD
