"""Budget lines typed the Moroccan way, and the confirmation asked before a figure that is more
often a slip than a price is saved."""

from decimal import Decimal

import pytest

from projects.forms import BudgetLineForm
from projects.models import BudgetLine
from projects.tests.factories import make_project
from reintegration.models import User

pytestmark = pytest.mark.django_db

CHECK = "Check the quantity and the unit price: if they are right, choose “Save anyway”."


@pytest.fixture
def english(users):
    User.objects.filter(pk__in=[u.pk for u in users.values()]).update(language="en")


@pytest.fixture
def draft(person, users, english):
    return make_project(person, users["coordinator"], lines=())


def post_line(client, project, quantity, price, **extra):
    project.refresh_from_db()
    return client.post(
        f"/projects/{project.pk}/lines/new/",
        {
            "designation": "Machine à coudre",
            "category": "equipment",
            "quantity": quantity,
            "unit_price": price,
            "version": project.version,
            **extra,
        },
    )


@pytest.mark.parametrize(
    ("quantity", "price", "saved_quantity", "saved_price"),
    [
        ("1", "8500,50", "1.00", "8500.50"),
        ("1", "8.500,50", "1.00", "8500.50"),
        ("1", "8 500,50", "1.00", "8500.50"),
        ("٢", "٨٥٠٠٫٥٠", "2.00", "8500.50"),
        ("1,5", "8500", "1.50", "8500.00"),
    ],
)
def test_a_unit_price_typed_the_moroccan_way_is_saved_exactly(
    client, users, draft, quantity, price, saved_quantity, saved_price
):
    client.force_login(users["coordinator"])
    response = post_line(client, draft, quantity, price)
    assert response.status_code == 302
    line = BudgetLine.objects.get(project=draft)
    assert (line.quantity, line.unit_price) == (Decimal(saved_quantity), Decimal(saved_price))
    draft.refresh_from_db()
    assert draft.requested_total == Decimal(saved_quantity) * Decimal(saved_price)


def test_an_ambiguous_price_is_refused_and_shown_again_as_typed(client, users, draft):
    client.force_login(users["coordinator"])
    response = post_line(client, draft, "2", "8.500")
    html = response.content.decode()
    assert response.status_code == 200
    assert "“8.500” could mean 8500 or 8,50. Type the amount as 8500,50 or 8 500,50." in html
    assert 'value="8.500"' in html and 'type="number"' not in html
    assert not BudgetLine.objects.exists()


def test_a_line_above_the_track_ceiling_is_saved_only_once_confirmed(client, users, draft):
    client.force_login(users["coordinator"])
    response = post_line(client, draft, "1", "38 000")
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "This line alone comes to 38.000,00 DH, more than the ceiling of the programme track "
        f"“{draft.beneficiary.track.name_fr}” for the whole project (35.500,00 DH). {CHECK}"
    ) in html
    assert 'value="38 000"' in html
    assert 'name="confirm" value="1.00x38000.00"' in html
    assert not BudgetLine.objects.exists()

    response = post_line(client, draft, "1", "38 000", confirm="1.00x38000.00")
    assert response.status_code == 302
    assert BudgetLine.objects.get(project=draft).unit_price == Decimal("38000.00")


def test_a_confirmation_counts_only_for_the_figures_it_was_given_for(client, users, draft):
    client.force_login(users["coordinator"])
    response = post_line(client, draft, "1", "39 000", confirm="1.00x38000.00")
    assert response.status_code == 200
    assert 'name="confirm" value="1.00x39000.00"' in response.content.decode()
    assert not BudgetLine.objects.exists()


def test_a_unit_price_above_the_sane_bound_asks_for_confirmation(client, users, draft, settings):
    settings.AMOUNT_CONFIRM_ABOVE = Decimal("5000")
    client.force_login(users["coordinator"])
    response = post_line(client, draft, "2", "6000")
    assert response.status_code == 200
    assert (
        f"A unit price of 6.000,00 DH is unusually high (above 5.000,00 DH). {CHECK}"
        in response.content.decode()
    )
    assert not BudgetLine.objects.exists()
    assert post_line(client, draft, "2", "6000", confirm="2.00x6000.00").status_code == 302
    assert BudgetLine.objects.get(project=draft).unit_price == Decimal("6000.00")


def test_an_ordinary_line_needs_no_confirmation(users, draft):
    form = BudgetLineForm(
        {
            "designation": "Fer à repasser",
            "category": "tools",
            "quantity": "1",
            "unit_price": "950",
            "version": draft.version,
        },
        project=draft,
    )
    assert form.is_valid(), form.errors
    assert form.confirmation == ""


def test_the_default_bound_is_two_hundred_thousand_dirhams(users, draft):
    draft.beneficiary.track.ceiling = None
    data = {"designation": "Camion", "category": "vehicle", "quantity": "1"}
    at_bound = BudgetLineForm(
        {**data, "unit_price": "200 000", "version": draft.version}, project=draft
    )
    assert at_bound.is_valid(), at_bound.errors
    above = BudgetLineForm(
        {**data, "unit_price": "200 000,01", "version": draft.version}, project=draft
    )
    assert not above.is_valid()
    assert above.confirmation == "1.00x200000.01"


def test_an_edited_line_shows_its_figures_in_the_display_format(client, users, person, english):
    project = make_project(person, users["coordinator"], lines=(("Four", "2", "8500.50"),))
    line = project.lines.get()
    client.force_login(users["coordinator"])
    html = client.get(f"/projects/{project.pk}/lines/{line.pk}/").content.decode()
    assert 'name="quantity" value="2"' in html
    assert 'name="unit_price" value="8.500,50"' in html


def test_whole_quantities_show_without_decimals_in_the_budget(client, users, person, english):
    project = make_project(
        person, users["coordinator"], lines=(("Four", "2", "8500.50"), ("Fil", "1.5", "40"))
    )
    client.force_login(users["coordinator"])
    html = client.get(f"/projects/{project.pk}/").content.decode()
    assert '<span class="ltr">2</span>' in html
    assert '<span class="ltr">1,50</span>' in html
    assert "2,00" not in html


def test_a_price_beyond_what_an_amount_holds_is_refused_with_a_message(client, users, draft):
    client.force_login(users["coordinator"])
    response = post_line(client, draft, "1", "999 999 999 999 999")
    assert response.status_code == 200
    assert "Enter an amount of at most 999.999.999.999,99." in response.content.decode()
    assert not BudgetLine.objects.exists()


def test_a_line_whose_total_no_amount_can_hold_is_refused_even_once_confirmed(client, users, draft):
    client.force_login(users["coordinator"])
    price = "999 999 999 999"
    token = post_line(client, draft, "999999", price).context["form"].confirmation
    response = post_line(client, draft, "999999", price, confirm=token)
    assert response.status_code == 200
    assert (
        "This line comes to 999.998.999.999.000.001,00 DH, more than the 999.999.999.999,99 DH "
        "an amount can hold." in response.content.decode()
    )
    assert not BudgetLine.objects.exists()


def test_a_line_worth_nothing_once_rounded_is_refused(client, users, draft):
    client.force_login(users["coordinator"])
    response = post_line(client, draft, "0,01", "0,01")
    assert response.status_code == 200
    assert (
        "This line comes to 0,00 DH: check the quantity and the unit price."
        in response.content.decode()
    )
    assert not BudgetLine.objects.exists()


def test_half_a_centime_rounds_up_as_on_an_invoice(client, users, draft):
    client.force_login(users["coordinator"])
    assert post_line(client, draft, "1,5", "0,01").status_code == 302
    draft.refresh_from_db()
    assert (BudgetLine.objects.get().total, draft.requested_total) == (
        Decimal("0.02"),
        Decimal("0.02"),
    )
