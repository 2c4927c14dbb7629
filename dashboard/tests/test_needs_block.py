"""The dashboard's needs block: counts of the reader's scope, officials included (numbers
only), at a cost that does not grow with the data."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from beneficiaries import needs
from beneficiaries.tests.factories import BeneficiaryFactory
from beneficiaries.tests.test_needs import record

pytestmark = pytest.mark.django_db


def block(html: str) -> str:
    start = html.index('id="needs-by-domain"')
    return html[start : html.index("</section>", start)]


def cells(response) -> dict[str, dict[str, str]]:
    """The block's figures by domain and column, as printed."""
    import re

    html = block(response.content.decode())
    found = {}
    for domain in needs.DOMAINS:
        row = html[html.index(f'data-domain="{domain}"') :]
        row = row[: row.index("</tr>")]
        found[domain] = dict(re.findall(r'data-score="(\w+)">([^<]*)<', row))
    return found


def test_each_role_sees_the_counts_of_its_scope(client, users, centre, elsewhere):
    coordinator = users["coordinator"]
    mine = [BeneficiaryFactory(centre=centre, by=coordinator) for _ in range(3)]
    record(mine[0], coordinator, pick="last", on=datetime.date(2026, 1, 5))
    record(mine[0], coordinator, on=datetime.date(2026, 2, 5))
    record(mine[1], coordinator, pick="last")
    theirs = BeneficiaryFactory(centre=elsewhere["centre"], by=elsewhere["coordinator"])
    record(theirs, elsewhere["coordinator"], pick="last")
    expected_here = {"red": "1", "amber": "0", "green": "1", "none": "1"}
    for role in ("coordinator", "regional", "official"):
        client.force_login(users[role])
        figures = cells(client.get("/"))
        assert figures["housing"] == expected_here, role
    client.force_login(users["national"])
    assert cells(client.get("/"))["work"] == {"red": "2", "amber": "0", "green": "1", "none": "1"}


def test_officials_get_numbers_and_no_names(client, users, centre):
    coordinator = users["coordinator"]
    person = BeneficiaryFactory(centre=centre, by=coordinator)
    record(person, coordinator, pick="last")
    client.force_login(users["official"])
    html = block(client.get("/").content.decode())
    assert person.file_number not in html
    assert person.first_name_latin not in html
    assert "/beneficiaries/" not in html


def test_the_block_costs_the_same_whatever_the_number_of_people(client, users, centre):
    coordinator = users["coordinator"]
    record(BeneficiaryFactory(centre=centre, by=coordinator), coordinator)
    client.force_login(users["regional"])
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for pick in ("first", "last", "last", "first"):
        record(BeneficiaryFactory(centre=centre, by=coordinator), coordinator, pick=pick)
    client.get("/")  # the figures' cache is empty for the new data in this test
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(many) == len(few)
