"""Handover items and the working-capital cheque typed the Moroccan way."""

from decimal import Decimal

import pytest
from django.urls import reverse

from beneficiaries.tests.factories import BeneficiaryFactory
from ceremonies.models import Ceremony, Handover
from ceremonies.tests.test_ceremony_views import formset_data, plan
from projects.tests.factories import approved, make_project
from reintegration.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def handover(client, centre, users, convention):
    User.objects.filter(pk__in=[u.pk for u in users.values()]).update(language="en")
    person = BeneficiaryFactory(centre=centre, by=users["coordinator"], cin="AB12345")
    project = approved(make_project(person, users["coordinator"]), users)
    client.force_login(users["coordinator"])
    plan(client, convention)
    ceremony = Ceremony.objects.get()
    client.post(reverse("ceremony_projects", args=[ceremony.pk]), {"projects": [project.pk]})
    return Handover.objects.get()


def test_items_and_cheque_typed_with_commas_spaces_and_arabic_digits_are_saved_exactly(
    client, handover
):
    data = formset_data(
        handover,
        **{
            "items-0-quantity": "٢",
            "items-0-unit_value": "6.000,25",
            "items-1-designation": "Fil",
            "items-1-quantity": "1,5",
            "items-1-unit_value": "99",
            "cheque_amount": "1 450,00 DH",
        },
    )
    response = client.post(reverse("handover_edit", args=[handover.ceremony_id, handover.pk]), data)
    assert response.status_code == 302
    items = list(handover.items.order_by("pk").values_list("quantity", "unit_value"))
    assert items == [(Decimal("2.00"), Decimal("6000.25")), (Decimal("1.50"), Decimal("99.00"))]
    handover.refresh_from_db()
    assert handover.cheque_amount == Decimal("1450.00")


def test_a_refused_item_shows_back_what_was_typed(client, handover):
    data = formset_data(handover, **{"items-0-unit_value": "6.800"})
    response = client.post(reverse("handover_edit", args=[handover.ceremony_id, handover.pk]), data)
    html = response.content.decode()
    assert "“6.800” could mean 6800 or 6,80. Type the amount as 8500,50 or 8 500,50." in html
    assert 'value="6.800"' in html
    assert handover.items.get().unit_value == Decimal("6800.00")


def test_the_handover_form_shows_whole_quantities_as_typed_numbers(client, handover):
    html = client.get(reverse("handover_edit", args=[handover.ceremony_id, handover.pk]))
    html = html.content.decode()
    assert 'name="items-0-quantity" value="2"' in html
    assert 'name="items-0-unit_value" value="6.800,00"' in html


def test_an_ambiguous_cheque_amount_gets_only_the_error_saying_how_to_type_it(client, handover):
    data = formset_data(handover, cheque_amount="1.500", cheque_number="0012345")
    response = client.post(reverse("handover_edit", args=[handover.ceremony_id, handover.pk]), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "“1.500” could mean 1500 or 1,50. Type the amount as 8500,50 or 8 500,50." in html
    assert "Enter the amount of the cheque." not in html
    handover.refresh_from_db()
    assert handover.cheque_amount is None


def test_a_cheque_number_without_an_amount_asks_for_the_amount(client, handover):
    data = formset_data(handover, cheque_number="0012345")
    response = client.post(reverse("handover_edit", args=[handover.ceremony_id, handover.pk]), data)
    assert response.status_code == 400
    assert "Enter the amount of the cheque." in response.content.decode()
