"""Rejecting a project and removing a budget line first say what will happen, with the figures
the services will use; a refused decision brings the decision card back whole."""

import html
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from beneficiaries import services as beneficiary_services
from partners.models import LedgerMovement
from projects import services
from projects.models import BudgetLine, Decision, LifeProject, Status
from projects.tests.factories import approved, make_project
from reintegration.models import User
from reintegration.tests.confirming import confirm, fingerprint

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
    services.project_submit(project=project, by=users["coordinator"])
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

    refused = client.post(
        url, {"comment": "", "fingerprint": fingerprint(response), "confirmed": "1"}
    )
    assert refused.status_code == 400
    assert "Write a comment for the centre: say what must change or why." in text(refused)
    assert LifeProject.objects.get().status == Status.SUBMITTED

    done = confirm(client, url, {"comment": "Devis non conforme"})
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

    confirm(client, url, {"comment": "Fraude"})
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

    done = confirm(client, url, {"version": project.version})
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
    for response in (
        client.post(url, {"version": stale}),
        confirm(client, url, {"version": stale}),
    ):
        page = text(response)
        assert STALE in page
        # The service would refuse it: only the way back is offered.
        assert "Yes, remove the line" not in page and 'name="confirmed"' not in page
    assert response.status_code == 409
    assert BudgetLine.objects.count() == 1


STALE = (
    "Someone else saved this while you were working on it, so your change was not saved. What "
    "you typed is still here: open the page in a new tab to see their change, then try again."
)


@pytest.mark.parametrize("version", ["abc", "1e3", "-1", "٣", "9" * 5000, " "])
def test_a_mangled_version_is_answered_as_a_stale_page_not_an_error(client, users, person, version):
    project = make_project(person, users["coordinator"])
    line = project.lines.get()
    client.force_login(users["coordinator"])
    url = reverse("budget_line_delete", args=[project.pk, line.pk])
    for response in (
        client.post(url, {"version": version, "confirmed": "1"}),
        client.post(url, {"version": version, "fingerprint": "x", "confirmed": "1"}),
    ):
        assert response.status_code == 409
        assert STALE in text(response)
    assert BudgetLine.objects.count() == 1


def test_removing_a_line_after_a_colleague_changed_the_budget_asks_again(client, users, person):
    project = make_project(
        person, users["coordinator"], lines=(("فرن", "1", "8900.00"), ("ثلاجة", "1", "7600.50"))
    )
    oven = project.lines.get(designation="فرن")
    client.force_login(users["coordinator"])
    url = reverse("budget_line_delete", args=[project.pk, oven.pk])
    opened = client.post(url, {"version": project.version})
    fridge = project.lines.get(designation="ثلاجة")
    services.budget_line_save(
        project=project,
        by=users["national"],
        data={"designation": "ثلاجة", "quantity": Decimal("2"), "unit_cost": Decimal("7600.50")},
        version=project.version,
        line=fridge,
    )
    project.refresh_from_db()
    # The page travels with the version it was opened with: the service refuses it.
    stale = client.post(
        url, {"version": project.version, "fingerprint": fingerprint(opened), "confirmed": "1"}
    )
    assert stale.status_code == 409
    page = text(stale)
    assert "The figures changed since you opened this page: check them and confirm again." in page
    assert "brings the requested total from 24.101,00 DH to 15.201,00 DH." in page
    assert BudgetLine.objects.count() == 2

    done = client.post(
        url, {"version": project.version, "fingerprint": fingerprint(stale), "confirmed": "1"}
    )
    assert done.status_code == 302
    assert LifeProject.objects.get().requested_total == Decimal("15201.00")


def test_a_rejection_confirmed_after_the_person_was_renamed_asks_again(client, users, submitted):
    client.force_login(users["regional"])
    url = reverse("project_action", args=[submitted.pk, "reject"])
    opened = client.get(url)
    person = submitted.beneficiary
    beneficiary_services.beneficiary_update(
        beneficiary=person,
        by=users["coordinator"],
        data={"first_name_latin": "Fatiha"},
        version=person.version,
    )
    stale = client.post(
        url, {"comment": "Fraude", "fingerprint": fingerprint(opened), "confirmed": "1"}
    )
    page = text(stale)
    assert stale.status_code == 409
    assert "The figures changed since you opened this page: check them and confirm again." in page
    assert f"“ورشة خياطة” of Fatiha Zahra ({person.file_number})" in page
    assert "Fraude</textarea>" in page
    assert LifeProject.objects.get().status == Status.SUBMITTED

    done = client.post(
        url, {"comment": "Fraude", "fingerprint": fingerprint(stale), "confirmed": "1"}
    )
    assert done.status_code == 302
    assert LifeProject.objects.get().status == Status.REJECTED


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
