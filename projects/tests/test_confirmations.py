"""Rejecting a project and removing a budget line first say what will happen, with the figures
the services will use; a refused decision brings the decision card back whole."""

import html
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from partners.models import LedgerMovement
from projects import services
from projects.models import BudgetLine, Decision, LifeProject, Status
from projects.tests.factories import approved, make_project
from reintegration.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(users):
    User.objects.filter(pk__in=[u.pk for u in users.values()]).update(language="en")


def text(response) -> str:
    return html.unescape(response.content.decode())


class FormFields(HTMLParser):
    """The values a browser would send from one form of the page, found by its id."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.values = form_id, False, {}
        self.select = self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and attrs.get("type") not in ("submit", "button"):
            self.values[attrs["name"]] = attrs.get("value", "")
        elif tag == "select":
            self.select = attrs["name"]
            self.values.setdefault(self.select, "")
        elif tag == "option" and self.select and "selected" in attrs:
            self.values[self.select] = attrs.get("value", "")
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.values[self.textarea] = ""

    def handle_data(self, data):
        if self.inside and self.textarea:
            # As browsers do, the line break right after <textarea> is not part of the value.
            text = data if self.values[self.textarea] else data.removeprefix("\n")
            self.values[self.textarea] += text

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def decision_card(response) -> dict[str, str]:
    """The card's fields, without the CSRF token (masked differently on every page)."""
    parser = FormFields("decision-form")
    parser.feed(response.content.decode())
    return {k: v for k, v in parser.values.items() if k != "csrfmiddlewaretoken"}


@pytest.fixture
def submitted(project, users):
    services.project_transition(project=project, by=users["coordinator"], action="submit")
    project.refresh_from_db()
    return project


def test_rejecting_first_says_it_is_final_and_changes_nothing(client, users, submitted):
    client.force_login(users["regional"])
    person = submitted.beneficiary
    url = reverse("project_action", args=[submitted.pk, "reject"])
    for response in (client.get(url), client.post(url, {"comment": "Devis non conforme"})):
        page = text(response)
        assert response.status_code == 200
        assert (
            f"Rejecting the project “ورشة خياطة” of Fatima Zahra ({person.file_number}) is "
            "final: it cannot be decided again." in page
        )
        assert "No money was committed to it: nothing moves on the conventions." in page
        assert "btn-danger" in page and "Yes, reject the project" in page
        assert LifeProject.objects.get().status == Status.SUBMITTED
    assert "Devis non conforme</textarea>" in page

    refused = client.post(url, {"comment": "", "confirmed": "1"})
    assert refused.status_code == 400
    assert "Write a comment for the centre: say what must change or why." in text(refused)
    assert LifeProject.objects.get().status == Status.SUBMITTED

    done = client.post(url, {"comment": "Devis non conforme", "confirmed": "1"})
    assert done.status_code == 302
    assert LifeProject.objects.get().status == Status.REJECTED
    assert Decision.objects.get(action="reject").comment == "Devis non conforme"


def test_rejecting_an_approved_project_first_shows_the_money_released(
    client, users, project, convention
):
    approved(project, users)
    convention.refresh_from_db()
    assert convention.committed == Decimal("13600.00")
    client.force_login(users["national"])
    url = reverse("project_action", args=[project.pk, "reject"])
    response = client.post(url, {"comment": "Fraude"})
    assert "13.600,00 DH committed on convention CPDH-TNG-TEST goes back to its envelope." in text(
        response
    )
    convention.refresh_from_db()
    assert convention.committed == Decimal("13600.00")
    assert not LedgerMovement.objects.filter(kind="release").exists()

    client.post(url, {"comment": "Fraude", "confirmed": "1"})
    convention.refresh_from_db()
    assert convention.committed == Decimal("0.00")
    assert LedgerMovement.objects.get(kind="release").amount == Decimal("13600.00")
    assert LifeProject.objects.get().status == Status.REJECTED


def test_removing_a_budget_line_first_shows_it_and_the_new_total(client, users, person):
    project = make_project(
        person,
        users["coordinator"],
        lines=(("فرن", "1", "8900.00"), ("ثلاجة", "1", "7600.50")),
    )
    oven = project.lines.get(designation="فرن")
    client.force_login(users["coordinator"])
    url = reverse("budget_line_delete", args=[project.pk, oven.pk])
    for response in (client.get(url), client.post(url, {"version": project.version})):
        page = text(response)
        assert response.status_code == 200
        assert (
            "Removing the line “فرن” (8.900,00 DH) brings the requested total from "
            "16.500,50 DH to 7.600,50 DH." in page
        )
        assert f'name="version" value="{project.version}"' in page
        assert "Yes, remove the line" in page
        assert BudgetLine.objects.count() == 2

    done = client.post(url, {"version": project.version, "confirmed": "1"})
    assert done.status_code == 302
    assert list(BudgetLine.objects.values_list("designation", flat=True)) == ["ثلاجة"]
    assert LifeProject.objects.get().requested_total == Decimal("7600.50")


def test_a_stale_confirmation_does_not_remove_a_line_a_colleague_changed(client, users, person):
    project = make_project(person, users["coordinator"])
    line = project.lines.get()
    client.force_login(users["coordinator"])
    url = reverse("budget_line_delete", args=[project.pk, line.pk])
    stale = project.version
    services.project_update(
        project=project, by=users["national"], data={"title": "autre"}, version=stale
    )
    response = client.post(url, {"version": stale, "confirmed": "1"}, follow=True)
    assert "Someone else changed this project while you were editing it." in text(response)
    assert BudgetLine.objects.count() == 1


def test_a_refused_rejection_brings_the_card_back_whole_and_approving_next_works(
    client, users, submitted, convention
):
    client.force_login(users["regional"])
    card = decision_card(client.get(reverse("project_detail", args=[submitted.pk])))
    assert card["convention_1"] == str(convention.pk)
    assert card["amount_1"] in ("13600.00", "13.600,00")

    refused = client.post(reverse("project_action", args=[submitted.pk, "reject"]), card)
    page = text(refused)
    assert refused.status_code == 400
    again = decision_card(refused)
    assert again == card  # every field, with what it held
    # The error sits on the comment field.
    assert 'aria-invalid="true" aria-describedby="id_comment_error" id="id_comment"' in page
    assert (
        '<p id="error_1_id_comment"><strong>Write a comment for the centre: say what must '
        "change or why.</strong></p>" in page
    )
    assert LifeProject.objects.get().status == Status.SUBMITTED

    again["comment"] = "Avis favorable"
    approving = client.post(reverse("project_action", args=[submitted.pk, "approve"]), again)
    assert approving.status_code == 302, text(approving)
    project = LifeProject.objects.get()
    assert project.status == Status.APPROVED
    assert project.allocations.get().amount == Decimal("13600.00")


def test_a_refused_return_keeps_what_was_typed_in_the_split(client, users, submitted, convention):
    client.force_login(users["regional"])
    card = decision_card(client.get(reverse("project_detail", args=[submitted.pk])))
    typed = {**card, "amount_1": "13000.00", "comment": "  "}
    refused = client.post(reverse("project_action", args=[submitted.pk, "return"]), typed)
    assert refused.status_code == 400
    assert decision_card(refused) == typed
    assert "Charge exactly" not in text(refused)
