"""The ceremony pages as their users go through them: plan, choose, record, hold, print."""

import io
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from beneficiaries.tests.factories import BeneficiaryFactory
from ceremonies import services
from ceremonies.models import Ceremony, Certificate, Handover
from ceremonies.tests.factories import held_ceremony
from partners.models import Convention
from projects.models import LifeProject, Status
from projects.tests.factories import approved, make_project
from reintegration.models import User
from reintegration.tests.confirming import confirm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(users):
    User.objects.filter(pk__in=[u.pk for u in users.values()]).update(language="en")


@pytest.fixture
def project(centre, users, convention):
    person = BeneficiaryFactory(centre=centre, by=users["coordinator"], cin="AB12345")
    return approved(make_project(person, users["coordinator"]), users)


def plan(client, convention, **overrides):
    data = {
        "held_on": timezone.localdate().isoformat(),
        "place": "Siège de la préfecture",
        "presided_by": "M. le Wali",
        "authority": "wali",
        "conventions": [convention.pk],
        "attendees": "Chef de la DAS",
        **overrides,
    }
    return client.post(reverse("ceremony_create"), data)


def formset_data(handover, **changes):
    items = list(handover.items.all())
    data = {
        "items-TOTAL_FORMS": str(len(items) + 2),
        "items-INITIAL_FORMS": str(len(items)),
        "items-MIN_NUM_FORMS": "1",
        "items-MAX_NUM_FORMS": "1000",
        "version": str(handover.version),
        "cheque_amount": "",
        "cheque_number": "",
    }
    for index, item in enumerate(items):
        data.update(
            {
                f"items-{index}-id": str(item.pk),
                f"items-{index}-handover": str(handover.pk),
                f"items-{index}-designation": item.designation,
                f"items-{index}-brand": "",
                f"items-{index}-serial_numbers": "",
                f"items-{index}-quantity": str(item.quantity),
                f"items-{index}-unit_value": str(item.unit_value),
            }
        )
    data.update(changes)
    return data


def test_a_coordinator_prepares_and_regional_staff_hold_the_ceremony(
    client, users, project, convention, run_jobs
):
    client.force_login(users["coordinator"])
    response = plan(client, convention)
    ceremony = Ceremony.objects.get()
    assert response["Location"] == reverse("ceremony_projects", args=[ceremony.pk])
    assert ceremony.centre == users["coordinator"].centre
    page = client.get(response["Location"]).content.decode()
    assert project.beneficiary.file_number in page

    client.post(response["Location"], {"projects": [project.pk]})
    handover = Handover.objects.get()
    data = formset_data(
        handover,
        **{
            "items-0-brand": "Juki",
            "items-0-serial_numbers": "ddl 8700\r\nddl 8701",  # two machines
            "cheque_amount": "",
        },
    )
    response = client.post(reverse("handover_edit", args=[ceremony.pk, handover.pk]), data)
    assert response.status_code == 302, response.content.decode()
    serials = handover.items.first().serials.values_list("serial", flat=True)
    assert list(serials) == ["DDL8700", "DDL8701"]

    # The coordinator prints the attendance sheet but does not hold the ceremony.
    sheet = client.get(reverse("ceremony_attendance", args=[ceremony.pk]))
    text = PdfReader(io.BytesIO(sheet.content)).pages[0].extract_text()
    assert project.beneficiary.file_number in text and "****345" in text
    detail = client.get(reverse("ceremony_detail", args=[ceremony.pk])).content.decode()
    assert 'id="hold"' not in detail

    client.force_login(users["regional"])
    detail = client.get(reverse("ceremony_detail", args=[ceremony.pk])).content.decode()
    assert 'id="hold"' in detail
    confirm(client, reverse("ceremony_action", args=[ceremony.pk, "hold"]))
    assert Ceremony.objects.get().status == "held"
    assert LifeProject.objects.get().status == Status.EQUIPPED
    assert Convention.objects.get().disbursed == project.requested_total

    client.force_login(users["coordinator"])
    client.post(reverse("certificates_issue", args=[ceremony.pk]))
    run_jobs()
    certificate = Certificate.objects.get()
    client.force_login(users["official"])
    batch = client.get(reverse("ceremony_batch", args=[ceremony.pk]))
    assert certificate.number in PdfReader(io.BytesIO(batch.content)).pages[1].extract_text()


def test_a_form_with_errors_keeps_what_was_typed(client, users, project, convention):
    client.force_login(users["coordinator"])
    response = plan(client, convention, authority="other", presided_by="Pacha de la ville")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Give the title of the presiding authority." in html
    assert "Pacha de la ville" in html
    assert Ceremony.objects.count() == 0


def test_a_refused_handover_keeps_the_rows_typed(client, users, project, convention):
    client.force_login(users["coordinator"])
    plan(client, convention)
    ceremony = Ceremony.objects.get()
    client.post(reverse("ceremony_projects", args=[ceremony.pk]), {"projects": [project.pk]})
    handover = Handover.objects.get()
    data = formset_data(
        handover,
        **{
            "items-1-designation": "Moto triporteur",
            "items-1-quantity": "1",
            "items-1-unit_value": "99999.00",
        },
    )
    response = client.post(reverse("handover_edit", args=[ceremony.pk, handover.pk]), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "disbursed cannot exceed committed" in html
    assert "Moto triporteur" in html and "99999.00" in html
    assert handover.items.count() == 1


def test_the_ceremony_menu_and_the_project_page_link_to_each_other(
    client, users, project, convention
):
    client.force_login(users["coordinator"])
    plan(client, convention)
    ceremony = Ceremony.objects.get()
    client.post(reverse("ceremony_projects", args=[ceremony.pk]), {"projects": [project.pk]})
    home = client.get(reverse("ceremony_list")).content.decode()
    assert reverse("ceremony_detail", args=[ceremony.pk]) in home
    page = client.get(reverse("project_detail", args=[project.pk])).content.decode()
    assert reverse("ceremony_detail", args=[ceremony.pk]) in page


class _FormReader(HTMLParser):
    """What a page's forms send when the user presses Save: every field with its value as
    rendered, checked boxes only, the selected options of a list."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            if attrs.get("type") != "submit":
                self.values.setdefault(name, []).append(attrs.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values.setdefault(name, []).append("")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.values.setdefault(self._select, []).append(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            # The first line break after <textarea> belongs to the markup, not to the value.
            values = self.values[self._textarea]
            values[-1] += data.removeprefix("\n") if not values[-1] else data


def sent_again(response) -> dict[str, list[str]]:
    reader = _FormReader()
    reader.feed(response.content.decode())
    return reader.values


def carried_version(response) -> str:
    return sent_again(response)["version"][0]


CONCURRENT_EDIT = (
    "Someone else saved this while you were working on it, so your change was not saved. What "
    "you typed is still here: open the page in a new tab to see their change, then try again."
)


def test_a_stale_ceremony_edit_keeps_what_was_typed_and_saves_when_sent_again(
    client, users, project, convention
):
    client.force_login(users["coordinator"])
    plan(client, convention)
    ceremony = Ceremony.objects.get()
    url = reverse("ceremony_edit", args=[ceremony.pk])
    opened = sent_again(client.get(url))
    # A colleague saves the ceremony meanwhile.
    services.ceremony_save(
        by=users["regional"],
        data={
            **{field: getattr(ceremony, field) for field in services.CEREMONY_FIELDS},
            "conventions": [convention],
            "presided_by": "M. le Gouverneur",
        },
        ceremony=ceremony,
        version=ceremony.version,
    )
    stale = client.post(url, {**opened, "place": "Salle des fêtes de la commune"})
    html = stale.content.decode()
    assert stale.status_code == 200
    assert CONCURRENT_EDIT in html
    assert "Salle des fêtes de la commune" in html
    ceremony.refresh_from_db()
    assert (ceremony.place, ceremony.presided_by) == ("Siège de la préfecture", "M. le Gouverneur")
    # The page now carries the version the colleague's save made: sent again, it is saved.
    assert carried_version(stale) == str(ceremony.version)
    again = client.post(url, sent_again(stale))
    assert again.status_code == 302, again.content.decode()
    ceremony.refresh_from_db()
    assert ceremony.place == "Salle des fêtes de la commune"


def test_a_stale_handover_edit_keeps_the_rows_typed_and_saves_when_sent_again(
    client, users, project, convention
):
    client.force_login(users["coordinator"])
    plan(client, convention)
    ceremony = Ceremony.objects.get()
    client.post(reverse("ceremony_projects", args=[ceremony.pk]), {"projects": [project.pk]})
    handover = Handover.objects.get()
    url = reverse("handover_edit", args=[ceremony.pk, handover.pk])
    opened = formset_data(handover)
    # A colleague records the handover meanwhile: while the ceremony is planned, a save
    # replaces every item, so the rows this page knew are gone.
    item = handover.items.get()
    services.handover_save(
        handover=handover,
        by=users["regional"],
        items=[
            {
                "designation": item.designation,
                "brand": "Singer",
                "quantity": item.quantity,
                "unit_value": item.unit_value,
            }
        ],
        version=handover.version,
    )
    stale = client.post(
        url,
        {
            **opened,
            "items-0-designation": "Machine à coudre piqueuse",
            "items-0-brand": "Juki",
            "items-0-serial_numbers": "ddl 8700\r\nddl 8701",
        },
    )
    html = stale.content.decode()
    assert stale.status_code == 400
    assert CONCURRENT_EDIT in html
    assert "Machine à coudre piqueuse" in html and "Juki" in html and "ddl 8700" in html
    handover.refresh_from_db()
    assert [i.brand for i in handover.items.all()] == ["Singer"]
    # The page now carries the version the colleague's save made: sent again, it is saved.
    assert carried_version(stale) == str(handover.version)
    again = client.post(url, sent_again(stale))
    assert again.status_code == 302, again.content.decode()
    saved = handover.items.get()
    assert (saved.designation, saved.brand) == ("Machine à coudre piqueuse", "Juki")
    assert list(saved.serials.values_list("serial", flat=True)) == ["DDL8700", "DDL8701"]


def test_a_stale_correction_after_the_ceremony_keeps_what_was_typed_and_saves_when_sent_again(
    client, users, project, convention
):
    ceremony = held_ceremony([project], users)
    handover = Handover.objects.get()
    url = reverse("handover_edit", args=[ceremony.pk, handover.pk])
    client.force_login(users["coordinator"])
    opened = sent_again(client.get(url))
    item = handover.items.get()
    services.handover_save(
        handover=handover,
        by=users["national"],
        items=[{"id": item.pk, "designation": item.designation, "brand": "Singer"}],
        version=handover.version,
    )
    stale = client.post(url, {**opened, "items-0-brand": "Juki"})
    html = stale.content.decode()
    assert stale.status_code == 400
    assert CONCURRENT_EDIT in html and "Juki" in html
    again = client.post(url, sent_again(stale))
    assert again.status_code == 302, again.content.decode()
    assert handover.items.get().brand == "Juki"
