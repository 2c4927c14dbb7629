"""The cost per sustained outcome and the outcomes of a convention where partners read them:
the convention's page (its section, registered by ceremonies), the partner report's page in
Arabic and French, its workbook and its bilingual PDF, and the national dashboard's table;
each figure compared with a count made here one object at a time."""

from __future__ import annotations

import io
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from openpyxl import load_workbook
from pypdf import PdfReader

from ceremonies.tests import outcome_counts as by_hand
from ceremonies.tests.outcome_stories import build_world
from dashboard.reports import convention_report
from dashboard.selectors import Filters, build_dashboard
from partners.models import Convention, LedgerMovement
from projects.models import LifeProject
from reintegration.formatting import format_mad
from reintegration.models import User
from reintegration.pdf import render_pdf
from reintegration.tests.worlds import built_once

pytestmark = pytest.mark.django_db

CENT = Decimal("0.01")
ROLES = ("coordinator", "regional", "official", "national", "auditor")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    yield from built_once(
        django_db_blocker, tmp_path_factory, lambda: build_world(timezone.localdate())
    )


@pytest.fixture
def users(world):
    return {role: User.objects.get(pk=user.pk) for role, user in world["users"].items()}


def convention(reference="CPDH-TNG-TEST"):
    return Convention.objects.get(reference=reference)


def counted(convention):
    """The convention's cost per sustained outcome, counted by hand from its ledger and the
    projects it paid for."""
    today = timezone.localdate()
    paid = [
        p
        for p in LifeProject.objects.filter(handover_date__isnull=False)
        if p.allocations.filter(convention=convention, released_at__isnull=True).exists()
    ]
    visits = by_hand.visits_of(paid)
    old = [p for p in paid if by_hand.old_enough(p.handover_date, 12, today)]
    disbursed = sum(
        (m.amount for m in LedgerMovement.objects.filter(convention=convention, kind="disburse")),
        Decimal("0.00"),
    )
    active = sum(by_hand.business_state(p, visits[p.pk], 12) is True for p in old)
    free = sum(not by_hand.reincarcerated_within(p, visits[p.pk], 12) for p in old)
    return {
        "disbursed": disbursed,
        "active": active,
        "free": free,
        # Half up to the centime: 1/3 of a centime down, 2/3 up.
        "per_active": (disbursed / active).quantize(CENT, ROUND_HALF_UP) if active else None,
        "per_free": (disbursed / free).quantize(CENT, ROUND_HALF_UP) if free else None,
    }


@pytest.mark.parametrize("role", ROLES)
def test_the_convention_page_shows_its_cost_per_sustained_outcome_to_each_reader(
    client, users, role
):
    expected = counted(convention())
    assert expected["per_active"] and expected["per_free"]
    client.force_login(users[role])
    with translation.override(users[role].language or "ar"):
        html = client.get(reverse("convention_detail", args=[convention().pk])).content.decode()
        assert 'id="convention-outcomes"' in html
        assert format_mad(expected["per_active"]) in html
        assert format_mad(expected["per_free"]) in html


def test_a_convention_too_young_says_why_there_is_no_cost(client, users):
    User.objects.filter(pk=users["national"].pk).update(language="fr")
    client.force_login(users["national"])
    html = client.get(reverse("convention_detail", args=[convention("CPDH-TNG-JEUNE").pk]))
    with translation.override("fr"):
        why = translation.gettext(
            "No project of this convention was handed over 12 months ago or more yet."
        )
    assert html.content.decode().count(escape(why)) == 2


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_the_report_page_shows_the_outcomes_in_the_readers_language(client, users, language):
    User.objects.filter(pk=users["national"].pk).update(language=language)
    client.force_login(users["national"])
    expected = counted(convention())
    response = client.get(reverse("convention_report", args=[convention().pk]))
    html = response.content.decode()
    with translation.override(language):
        for label in (
            "Cost per sustained outcome",
            "Dirhams per active business",
            "Dirhams per person not re-incarcerated",
            "Businesses still active",
            "Re-incarceration after the handover",
            "Closed projects by exit reason",
        ):
            assert escape(translation.gettext(label)) in html, label
        assert format_mad(expected["per_active"]) in html
        assert format_mad(expected["disbursed"]) in html
    report = response.context["cost"]
    assert (report.active, report.not_reincarcerated) == (expected["active"], expected["free"])


def test_the_report_pdf_shows_the_outcomes_in_arabic_then_french(users):
    national = users["national"]
    expected = counted(convention())
    pdf = render_pdf(
        "pdf/convention_report.html", convention_report(convention(), national), language="ar"
    )
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    text = "\n".join(pages)
    french = text[text.rindex(str(convention().reference)) :]
    arabic = text[: text.rindex(str(convention().reference))]
    amount = f"{expected['per_active']:,.2f}".replace(",", " ").replace(".", ",")
    amount = amount.replace(" ", ".")
    assert amount in arabic and amount in french
    assert "درهم" in arabic and "DH" in french
    for language, half in (("ar", arabic), ("fr", french)):
        with translation.override(language):
            assert translation.gettext("Dirhams per active business") in half, language
            assert translation.gettext("Closed projects by exit reason") in half, language
    # One page per language.
    assert len(pages) == 2


def test_the_report_workbook_holds_the_cost_as_an_amount(client, users):
    client.force_login(users["national"])
    expected = counted(convention())
    content = client.get(f"/conventions/{convention().pk}/report.xlsx").content
    summary = load_workbook(io.BytesIO(content)).worksheets[0]
    values = {row[0]: row[1:] for row in summary.iter_rows(values_only=True)}
    with translation.override("ar"):
        per_active = values[translation.gettext("Dirhams per active business")]
        too_young = translation.gettext("too young")
    assert Decimal(str(per_active[0])) == expected["per_active"]
    # The 24-month figures of a convention whose oldest handover is younger: empty, and why.
    young = load_workbook(
        io.BytesIO(
            client.get(f"/conventions/{convention('CPDH-TNG-JEUNE').pk}/report.xlsx").content
        )
    ).worksheets[0]
    reasons = [row for row in young.iter_rows(values_only=True) if too_young in row]
    assert reasons and all(row[1] is None for row in reasons)


def test_the_dashboard_has_a_row_per_convention_with_its_cost(users):
    dashboard = build_dashboard(users["national"], Filters(), tracks={})
    rows = {row[0]: row for row in dashboard.table("costs").rows}
    assert set(rows) == set(Convention.objects.values_list("reference", flat=True))
    for reference, row in rows.items():
        expected = counted(convention(reference))
        assert row[1] == expected["disbursed"]
        assert (row[3], row[4]) == (expected["active"], expected["free"])
    assert rows["CPDH-TNG-TEST"][5] == counted(convention())["per_active"]
    # Too young: a label, never a zero.
    young = rows["CPDH-TNG-JEUNE"][5]
    with translation.override("en"):
        assert str(young.value) == "too young"
