"""Holding, cancelling and removing a beneficiary first say what will happen, in figures and
names read from what the services will use; only the confirmed request acts."""

import datetime
import html
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from beneficiaries.tests.factories import BeneficiaryFactory
from ceremonies import services as ceremonies
from ceremonies.models import Ceremony, Handover, HandoverItem
from ceremonies.tests.factories import plan_ceremony
from partners.models import Convention, LedgerMovement
from projects import services as project_services
from projects.models import LifeProject, Status
from projects.tests.factories import approved, make_project
from reintegration.models import User
from reintegration.tests.confirming import confirm, fingerprint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(users):
    User.objects.filter(pk__in=[u.pk for u in users.values()]).update(language="en")


@pytest.fixture
def second(centre):
    """Another convention covering Tanger, for money split across conventions."""
    other = Convention.objects.create(
        reference="CPDH-TNG-2024-02",
        title="Deuxième convention",
        starts_on=datetime.date(2024, 1, 1),
        ends_on=datetime.date(2030, 12, 31),
        envelope=Decimal("500000.00"),
        status=Convention.Status.ACTIVE,
    )
    other.provinces.add(centre.province)
    return other


def person(centre, users, first, last):
    return BeneficiaryFactory(
        centre=centre, by=users["coordinator"], first_name_latin=first, last_name_latin=last
    )


def text(response) -> str:
    return html.unescape(response.content.decode())


def ledger(*conventions):
    """Everything holding or cancelling could change, to compare before and after."""
    return (
        [
            (c.committed, c.disbursed)
            for c in Convention.objects.filter(pk__in=[c.pk for c in conventions]).order_by("pk")
        ],
        LedgerMovement.objects.count(),
        sorted(LifeProject.objects.values_list("status", flat=True)),
        sorted(Handover.objects.values_list("pk", "total")),
        HandoverItem.objects.count(),
    )


@pytest.fixture
def ceremony(centre, users, convention, second):
    """Two people charged to the test convention (25,100.25 DH each), one to the second
    convention (10,000 DH approved, 8,000 DH handed over)."""
    coordinator = users["coordinator"]
    oven = (("فرن احترافي", "1", "25100.25"),)
    on_test = [
        approved(
            make_project(person(centre, users, first, "Alaoui"), coordinator, lines=oven), users
        )
        for first in ("Fatima", "Youssef")
    ]
    moto = make_project(
        person(centre, users, "Samir", "Bennani"),
        coordinator,
        lines=(("دراجة ثلاثية العجلات", "1", "10000.00"),),
    )
    project_services.project_submit(project=moto, by=coordinator)
    project_services.project_approve(
        project=moto,
        by=users["regional"],
        allocations=[(second, Decimal("10000.00"))],
    )
    planned = plan_ceremony(coordinator, conventions=[convention, second])
    ceremonies.ceremony_add_projects(
        ceremony=planned, by=coordinator, project_ids=[p.pk for p in [*on_test, moto]]
    )
    handover = Handover.objects.get(project=moto)
    ceremonies.handover_save(
        handover=handover,
        by=coordinator,
        items=[
            {
                "designation": "دراجة ثلاثية العجلات",
                "quantity": Decimal("1"),
                "unit_value": Decimal("8000.00"),
            }
        ],
        version=handover.version,
    )
    return planned


HOLD_LINES = [
    "Marking this ceremony held moves 50.200,50 DH from committed to disbursed for "
    "2 beneficiaries on convention CPDH-TNG-TEST.",
    "Marking this ceremony held moves 8.000,00 DH from committed to disbursed for "
    "1 beneficiary on convention CPDH-TNG-2024-02.",
    "2.000,00 DH approved but not handed over goes back to the envelope of convention "
    "CPDH-TNG-2024-02.",
]


def test_holding_first_says_what_moves_on_each_convention_and_changes_nothing(
    client, users, ceremony, convention, second
):
    client.force_login(users["regional"])
    before = ledger(convention, second)
    url = reverse("ceremony_action", args=[ceremony.pk, "hold"])
    for response in (client.get(url), client.post(url)):
        page = text(response)
        assert response.status_code == 200
        for line in HOLD_LINES:
            assert line in page
        assert page.index(HOLD_LINES[0]) < page.index(HOLD_LINES[1]) < page.index(HOLD_LINES[2])
        assert 'name="confirmed" value="1"' in page and "Yes, mark it held" in page
        assert fingerprint(response)
        assert f'href="{reverse("ceremony_detail", args=[ceremony.pk])}"' in page
        assert Ceremony.objects.get().status == Ceremony.Status.PLANNED
        assert ledger(convention, second) == before


def test_the_confirmed_hold_moves_exactly_the_figures_announced(
    client, users, ceremony, convention, second
):
    client.force_login(users["regional"])
    url = reverse("ceremony_action", args=[ceremony.pk, "hold"])
    response = confirm(client, url)
    assert response.status_code == 302
    assert Ceremony.objects.get().status == Ceremony.Status.HELD
    convention.refresh_from_db()
    second.refresh_from_db()
    assert (convention.committed, convention.disbursed) == (
        Decimal("50200.50"),
        Decimal("50200.50"),
    )
    # 10,000 committed, 8,000 handed over, 2,000 back to the envelope.
    assert (second.committed, second.disbursed) == (Decimal("8000.00"), Decimal("8000.00"))
    assert set(LifeProject.objects.values_list("status", flat=True)) == {Status.EQUIPPED}


def test_closing_a_held_ceremony_still_acts_in_one_step(client, users, ceremony):
    client.force_login(users["regional"])
    assert client.get(reverse("ceremony_action", args=[ceremony.pk, "close"])).status_code == 405


def test_cancelling_first_names_who_leaves_the_ceremony_and_keeps_the_reason(
    client, users, ceremony, convention, second
):
    client.force_login(users["coordinator"])
    before = ledger(convention, second)
    numbers = ", ".join(
        sorted(Handover.objects.values_list("project__beneficiary__file_number", flat=True))
    )
    url = reverse("ceremony_cancel", args=[ceremony.pk])
    response = client.post(url, {"reason": "Report du gouverneur"})
    page = text(response)
    assert response.status_code == 200
    assert (
        f"Cancelling this ceremony takes its 3 beneficiaries off it ({numbers}), with what was "
        "recorded for them, worth 58.200,50 DH." in page
    )
    assert (
        "Their projects stay approved and their money stays committed on the conventions: "
        "they can join another ceremony." in page
    )
    assert "Report du gouverneur</textarea>" in page
    assert "btn-danger" in page and "Yes, cancel the ceremony" in page
    assert Ceremony.objects.get().status == Ceremony.Status.PLANNED
    assert ledger(convention, second) == before

    refused = client.post(
        url, {"reason": " ", "fingerprint": fingerprint(response), "confirmed": "1"}
    )
    assert refused.status_code == 400
    assert "Say why the ceremony is cancelled." in text(refused)
    assert Ceremony.objects.get().status == Ceremony.Status.PLANNED

    done = confirm(client, url, {"reason": "Report du gouverneur"})
    assert done.status_code == 302
    cancelled = Ceremony.objects.get()
    assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "Report du gouverneur")
    assert not Handover.objects.exists()
    assert ledger(convention, second)[0] == before[0]  # no money moved


def test_removing_a_beneficiary_first_shows_the_name_number_and_value(
    client, users, ceremony, convention, second
):
    client.force_login(users["coordinator"])
    handover = Handover.objects.get(project__beneficiary__first_name_latin="Samir")
    number = handover.project.beneficiary.file_number
    before = ledger(convention, second)
    url = reverse("handover_remove", args=[ceremony.pk, handover.pk])
    response = client.post(url)
    page = text(response)
    assert response.status_code == 200
    assert (
        f"Removing Samir Bennani ({number}) from this ceremony deletes what was recorded for "
        "them, worth 8.000,00 DH in all:" in page
    )
    assert "دراجة ثلاثية العجلات × 1" in page and "8.000,00 DH" in page
    assert "Yes, remove from the ceremony" in page
    assert ledger(convention, second) == before

    done = confirm(client, url)
    assert done.status_code == 302
    assert not Handover.objects.filter(pk=handover.pk).exists()
    assert Handover.objects.count() == 2


CHANGED = "The figures changed since you opened this page: check them and confirm again."


def hand_over(handover, users, value):
    """A colleague records another value for the handover, through the service."""
    handover.refresh_from_db()
    ceremonies.handover_save(
        handover=handover,
        by=users["coordinator"],
        items=[
            {
                "designation": "دراجة ثلاثية العجلات",
                "quantity": Decimal("1"),
                "unit_value": Decimal(value),
            }
        ],
        version=handover.version,
    )


def test_a_hold_confirmed_on_figures_a_colleague_changed_moves_nothing_and_shows_the_new_ones(
    client, users, ceremony, convention, second
):
    client.force_login(users["regional"])
    url = reverse("ceremony_action", args=[ceremony.pk, "hold"])
    opened = client.get(url)
    assert HOLD_LINES[1] in text(opened)
    hand_over(Handover.objects.get(project__beneficiary__first_name_latin="Samir"), users, "9000")
    before = ledger(convention, second)

    stale = client.post(url, {"fingerprint": fingerprint(opened), "confirmed": "1"})
    page = text(stale)
    assert stale.status_code == 409
    assert CHANGED in page
    assert (
        "Marking this ceremony held moves 9.000,00 DH from committed to disbursed for "
        "1 beneficiary on convention CPDH-TNG-2024-02." in page
    )
    assert (
        "1.000,00 DH approved but not handed over goes back to the envelope of convention "
        "CPDH-TNG-2024-02." in page
    )
    assert HOLD_LINES[1] not in page
    assert Ceremony.objects.get().status == Ceremony.Status.PLANNED
    assert ledger(convention, second) == before

    done = client.post(url, {"fingerprint": fingerprint(stale), "confirmed": "1"})
    assert done.status_code == 302
    assert Ceremony.objects.get().status == Ceremony.Status.HELD
    second.refresh_from_db()
    assert (second.committed, second.disbursed) == (Decimal("9000.00"), Decimal("9000.00"))


def test_a_confirmation_without_the_fingerprint_of_what_was_shown_does_nothing(
    client, users, ceremony, convention, second
):
    client.force_login(users["regional"])
    before = ledger(convention, second)
    url = reverse("ceremony_action", args=[ceremony.pk, "hold"])
    for sent in ({}, {"fingerprint": "abc"}):
        response = client.post(url, {**sent, "confirmed": "1"})
        assert response.status_code == 409
        assert CHANGED in text(response) and HOLD_LINES[0] in text(response)
    assert Ceremony.objects.get().status == Ceremony.Status.PLANNED
    assert ledger(convention, second) == before


def test_removing_or_cancelling_after_a_colleague_changed_the_values_asks_again(
    client, users, ceremony, convention, second
):
    client.force_login(users["coordinator"])
    handover = Handover.objects.get(project__beneficiary__first_name_latin="Samir")
    remove = reverse("handover_remove", args=[ceremony.pk, handover.pk])
    cancel = reverse("ceremony_cancel", args=[ceremony.pk])
    opened = {url: fingerprint(client.get(url)) for url in (remove, cancel)}
    hand_over(handover, users, "9000")
    before = ledger(convention, second)

    stale = client.post(remove, {"fingerprint": opened[remove], "confirmed": "1"})
    assert stale.status_code == 409
    assert CHANGED in text(stale) and "worth 9.000,00 DH in all:" in text(stale)
    stale = client.post(
        cancel, {"reason": "Report", "fingerprint": opened[cancel], "confirmed": "1"}
    )
    assert stale.status_code == 409
    assert CHANGED in text(stale) and "worth 59.200,50 DH." in text(stale)
    assert "Report</textarea>" in text(stale)
    assert ledger(convention, second) == before
    assert Ceremony.objects.get().status == Ceremony.Status.PLANNED

    done = client.post(remove, {"fingerprint": fingerprint(client.get(remove)), "confirmed": "1"})
    assert done.status_code == 302
    assert not Handover.objects.filter(pk=handover.pk).exists()


def test_a_hold_that_would_be_refused_says_why_and_offers_only_the_way_back(
    client, users, centre, convention
):
    coordinator = users["coordinator"]
    tomorrow = plan_ceremony(coordinator, held_on=timezone.localdate() + datetime.timedelta(1))
    empty = plan_ceremony(coordinator)
    project = approved(make_project(person(centre, users, "Samir", "Bennani"), coordinator), users)
    ceremonies.ceremony_add_projects(ceremony=empty, by=coordinator, project_ids=[project.pk])
    Handover.objects.get().items.all().delete()
    number = project.beneficiary.file_number
    client.force_login(users["regional"])
    for planned, reason in (
        (tomorrow, "The ceremony is dated in the future: it can be marked held on the day."),
        (empty, f"Nothing was recorded as handed over to {number}."),
    ):
        url = reverse("ceremony_action", args=[planned.pk, "hold"])
        for response in (client.get(url), confirm(client, url)):
            page = text(response)
            assert reason in page
            assert "Yes, mark it held" not in page and 'name="confirmed"' not in page
            assert f'href="{reverse("ceremony_detail", args=[planned.pk])}"' in page
        assert response.status_code == 409
    assert set(Ceremony.objects.values_list("status", flat=True)) == {Ceremony.Status.PLANNED}
    assert not LedgerMovement.objects.exclude(kind="commit").exists()
