"""The daily text reminders of follow-up visits: to the beneficiaries who agreed to them, for
visits due within SMS_VISIT_REMINDER_DAYS days, never twice for the same visit and date."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from beneficiaries import texting
from beneficiaries.models import Beneficiary, TextMessage
from beneficiaries.tests.factories import BeneficiaryFactory
from projects.tests.factories import equipped, make_project
from projects.texting import visit_text_reminders_send

HANDOVER = datetime.date(2026, 1, 10)  # 3-month visits due on 10 April 2026
TWO_DAYS_BEFORE = datetime.date(2026, 4, 8)


@pytest.fixture
def people(users, centre):
    """Three equipped people of Tanger: one agreed in French, one agreed but has a fixed line,
    one never agreed."""
    coordinator = users["coordinator"]
    found = {}
    for name in ("agreed", "fixed", "no"):
        person = BeneficiaryFactory(centre=centre, by=coordinator, first_name_latin=name)
        equipped(make_project(person, coordinator), users, HANDOVER)
        found[name] = person
    texting.text_contact_update(
        beneficiary=found["agreed"], by=coordinator, language="fr", consent=True
    )
    texting.text_contact_update(
        beneficiary=found["fixed"], by=coordinator, language="ar", consent=True
    )
    Beneficiary.objects.filter(pk=found["fixed"].pk).update(phone="+212539123456")
    Beneficiary.objects.filter(pk=found["no"].pk).update(phone="+212612000000")
    return found


def test_each_person_who_agreed_is_texted_once_per_visit(people, settings):
    settings.SMS_VISIT_REMINDER_DAYS = 2
    with translation.override("en"):
        assert (
            visit_text_reminders_send(today=TWO_DAYS_BEFORE - datetime.timedelta(days=1)).sent == 0
        )
        first = visit_text_reminders_send(today=TWO_DAYS_BEFORE)
        again = visit_text_reminders_send(today=TWO_DAYS_BEFORE)
        next_day = visit_text_reminders_send(today=TWO_DAYS_BEFORE + datetime.timedelta(days=1))
    assert first.sent == 1
    assert first.skipped == {
        "The phone number on the file is not a mobile number (06… or 07…): a text message "
        "cannot reach it.": 1
    }
    assert (again.sent, next_day.sent) == (0, 0)
    [texted] = TextMessage.objects.all()
    assert texted.beneficiary == people["agreed"]
    assert texted.sent_by is None
    visit = people["agreed"].projects.get().visits.get(milestone_months=3)
    assert texted.key == f"visit:{visit.pk}:2026-04-10"
    assert texted.message.body == (
        "Rappel : le CAR TNG vous rendra visite le 10 avril 2026 pour le suivi de votre projet."
    )
    assert texted.message.to == "+212612345678"


def test_the_daily_command_texts_the_reminders(people, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a: TWO_DAYS_BEFORE)
    output = io.StringIO()
    with translation.override("en"):
        call_command("send_visit_reminders", stdout=output)
    lines = output.getvalue().splitlines()
    assert "Text reminders queued for 1 beneficiary(ies)." in lines
    assert TextMessage.objects.filter(beneficiary=people["agreed"]).count() == 1
