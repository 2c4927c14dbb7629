"""Texting a planned ceremony's beneficiaries a reminder of it: who receives it, who does not
and why, the text in each language shown before sending, once a day."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from beneficiaries import texting
from beneficiaries.models import Beneficiary, TextMessage
from beneficiaries.tests.factories import BeneficiaryFactory
from ceremonies.services import ceremony_add_projects
from ceremonies.tests.factories import plan_ceremony
from projects.tests.factories import approved, make_project
from reintegration.tests.confirming import carried

pytestmark = pytest.mark.usefixtures("convention")


def people_at(ceremony, users, centre, count):
    coordinator = users["coordinator"]
    found = []
    for n in range(count):
        person = BeneficiaryFactory(centre=centre, by=coordinator, first_name_latin=f"P{n}")
        found.append(person)
        project = approved(make_project(person, coordinator), users)
        ceremony_add_projects(ceremony=ceremony, by=coordinator, project_ids=[project.pk])
    return found


@pytest.fixture
def planned(users):
    later = timezone.localdate() + datetime.timedelta(days=6)
    return plan_ceremony(users["coordinator"], held_on=later, place="Wilaya de Tanger")


def test_the_page_lists_who_receives_the_reminder_and_sends_it_once_a_day(
    planned, users, centre, client
):
    coordinator = users["coordinator"]
    coordinator.language = "fr"
    coordinator.save(update_fields=["language"])
    french, arabic, silent = people_at(planned, users, centre, 3)
    texting.text_contact_update(beneficiary=french, by=coordinator, language="fr", consent=True)
    texting.text_contact_update(beneficiary=arabic, by=coordinator, language="ar", consent=True)
    client.force_login(coordinator)
    url = reverse("ceremony_text", args=[planned.pk])

    raw = client.get(url).content.decode()
    page = html.unescape(raw)
    shown = {
        language: html.unescape(re.search(rf'id="text-body-{language}">(.*?)</', raw, re.S)[1])
        for language in ("fr", "ar")
    }
    assert "2 bénéficiaires recevront ce SMS" in page
    assert "Sans SMS : 1 bénéficiaire" in page
    assert silent.file_number in page
    assert "La personne n'a pas accepté de recevoir des SMS" in page
    date = planned.held_on

    response = client.post(url, {**carried(client.get(url)), "confirmed": "1"})
    assert response.status_code == 302
    sent = {t.beneficiary_id: t for t in TextMessage.objects.select_related("message")}
    assert set(sent) == {french.pk, arabic.pk}
    assert sent[french.pk].message.body.startswith(
        "Rappel : votre équipement vous sera remis lors de la cérémonie du "
        f"{date.day if date.day != 1 else '1er'} "
    )
    assert sent[french.pk].message.body.endswith(", Wilaya de Tanger. Merci d'apporter votre CIN.")
    assert sent[arabic.pk].message.body.startswith("تذكير: ستسلم لكم معداتكم")
    # The text shown is the text sent.
    assert sent[french.pk].message.body == shown["fr"]
    assert sent[arabic.pk].message.body == shown["ar"]

    # The same day again: everybody was reminded, nothing more can be sent.
    again = client.get(url)
    assert "Déjà rappelé aujourd&#x27;hui." in again.content.decode()
    assert 'id="confirm"' not in again.content.decode()
    assert client.post(url, {**carried(again), "confirmed": "1"}).status_code == 409
    assert TextMessage.objects.count() == 2


def test_the_page_costs_the_same_queries_whatever_the_number_of_people(
    planned, users, centre, client
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    coordinator = users["coordinator"]
    client.force_login(coordinator)
    url = reverse("ceremony_text", args=[planned.pk])

    def cost():
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    first = people_at(planned, users, centre, 1)
    for person in first:
        texting.text_contact_update(beneficiary=person, by=coordinator, language="ar", consent=True)
    one = cost()
    more = people_at(planned, users, centre, 4)
    for person in more:
        texting.text_contact_update(beneficiary=person, by=coordinator, language="fr", consent=True)
    texting.text_send(
        beneficiary=Beneficiary.objects.get(pk=more[0].pk), kind="ceremony_reminder", by=coordinator
    )
    # One more draft for the second language, nothing per person.
    assert cost() <= one + 2


def test_a_ceremony_already_held_cannot_be_reminded(planned, users, client):
    planned.status = "held"
    planned.save(update_fields=["status"])
    client.force_login(users["coordinator"])
    assert client.get(reverse("ceremony_text", args=[planned.pk])).status_code == 403
