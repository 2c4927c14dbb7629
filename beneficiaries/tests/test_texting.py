"""Text messages to a beneficiary: only with their recorded agreement and a mobile number, in
their language, shown exactly before they are sent, with their delivery status on the file."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from beneficiaries import services, texting
from beneficiaries.models import Beneficiary, TextMessage
from beneficiaries.tests.factories import BeneficiaryFactory
from projects.tests.factories import approved, equipped, make_project
from reintegration.models import AuditEntry, OutboxMessage
from reintegration.refusals import Refused
from reintegration.tests.confirming import carried

HANDOVER = datetime.date(2026, 1, 10)


@pytest.fixture(autouse=True)
def _in_english():
    """What the services say, in the language the messages are written in."""
    with translation.override("en"):
        yield  # the 3-month visit is due on 10 April 2026


@pytest.fixture
def files_backend(settings, tmp_path):
    settings.SMS_BACKEND = "reintegration.sms.FileBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    return tmp_path / "sms"


@pytest.fixture
def followed(person, users, convention, monkeypatch):
    """The person, equipped on HANDOVER, seen from 1 April 2026: their 3-month visit is next."""
    equipped(make_project(person, users["coordinator"]), users, HANDOVER)
    monkeypatch.setattr(timezone, "localdate", lambda *a: datetime.date(2026, 4, 1))
    return person


def agree(person, by, language="ar") -> Beneficiary:
    return texting.text_contact_update(beneficiary=person, by=by, language=language, consent=True)


def in_french(user):
    user.language = "fr"
    user.save(update_fields=["language"])


def shown(page: str, element: str) -> str:
    """The text of the element with id ``element``, as the browser shows it."""
    found = re.search(rf'id="{element}"[^>]*>(.*?)</', page, re.S)
    assert found, element
    return html.unescape(found.group(1))


def test_nobody_is_texted_without_their_recorded_agreement(followed, users):
    with pytest.raises(Refused) as refused:
        texting.text_send(beneficiary=followed, kind="visit_reminder", by=users["coordinator"])
    assert refused.value.message == (
        "The person has not agreed to receive text messages: record their agreement on the "
        "file first."
    )
    assert not OutboxMessage.objects.exists()


def test_an_agreement_withdrawn_stops_the_messages_and_both_are_audited(followed, users):
    coordinator = users["coordinator"]
    agree(followed, coordinator)
    followed.refresh_from_db()
    assert followed.sms_consent_by == coordinator
    assert followed.sms_consent_at is not None
    texting.text_contact_update(beneficiary=followed, by=coordinator, language="fr", consent=False)
    followed.refresh_from_db()
    assert (followed.sms_consent_at, followed.sms_consent_by, followed.message_language) == (
        None,
        None,
        "fr",
    )
    changes = list(
        AuditEntry.objects.filter(action="beneficiary.text_contact")
        .order_by("pk")
        .values_list("changes", flat=True)
    )
    assert changes == [
        {"sms_consent": "given"},
        {"message_language": ["ar", "fr"], "sms_consent": "withdrawn"},
    ]
    with pytest.raises(Refused):
        texting.text_send(beneficiary=followed, kind="visit_reminder", by=coordinator)


def test_a_fixed_line_or_no_number_cannot_be_texted(followed, users, centre):
    coordinator = users["coordinator"]
    agree(followed, coordinator)
    Beneficiary.objects.filter(pk=followed.pk).update(phone="+212539123456")  # Tanger, fixed
    followed.refresh_from_db()
    assert texting.refusal(followed) == (
        "The phone number on the file is not a mobile number (06… or 07…): a text message "
        "cannot reach it."
    )
    nobody = BeneficiaryFactory(centre=centre, by=coordinator, phone="")
    with pytest.raises(Refused) as refused:
        agree(nobody, coordinator)
    assert refused.value.message == (
        "The file has no phone number: add the person's mobile number first."
    )


def test_the_message_is_written_in_the_persons_language(followed, users, centre):
    coordinator = users["coordinator"]
    centre.phone = "0539 33 44 55"
    centre.save(update_fields=["phone"])
    followed = agree(followed, coordinator, language="fr")
    french = texting.text_draft(beneficiary=followed, kind="visit_reminder")
    assert french.text == (
        "Rappel : le CAR TNG vous rendra visite le 10 avril 2026 pour le suivi de votre "
        "projet. Questions : 0539334455"
    )
    assert (french.length.encoding, french.length.segments) == ("gsm7", 1)

    followed = agree(followed, coordinator, language="ar")
    arabic = texting.text_draft(beneficiary=followed, kind="visit_reminder")
    # Maghrebi month names, no direction isolates (the phone lays out the digits itself).
    assert arabic.text == (
        "تذكير: سيزوركم مركز TNG يوم 10 أبريل 2026 لتتبع مشروعكم. للاستفسار: 0539334455"
    )
    assert (arabic.length.encoding, arabic.length.segments) == ("ucs2", 2)


def test_a_number_in_a_message_is_one_run_of_digits():
    # Spaces or a leading "+" would let an Arabic message show the number out of order.
    assert texting.number_for_text("0539 33 44 55") == "0539334455"
    assert texting.number_for_text("+212 5 39-33-44-55") == "0539334455"
    assert texting.number_for_text("+33 1 23 45 67 89") == "0033123456789"


def test_only_the_messages_that_apply_are_offered(person, users, convention):
    coordinator = users["coordinator"]
    agree(person, coordinator)
    assert texting.kinds_for(person) == []
    project = approved(make_project(person, coordinator), users)
    [(kind, about)] = texting.kinds_for(person)
    assert (kind.code, about) == ("project_approved", project)
    assert texting.kind_refusal(person, "visit_reminder") == (
        "A “reminder of a follow-up visit” does not apply to this person now."
    )


def test_the_preview_shows_the_exact_text_that_is_sent_then_its_status(
    followed, users, client, files_backend, run_jobs
):
    coordinator = users["coordinator"]
    in_french(coordinator)
    agree(followed, coordinator, language="fr")
    client.force_login(coordinator)
    url = reverse("text_preview", args=[followed.pk])

    page = client.get(url).content.decode()
    text = shown(page, "text-body")
    assert text.startswith("Rappel : le CAR TNG vous rendra visite le 10 avril 2026")
    assert shown(page, "text-phone") == "+212612345678"
    assert "1 SMS" in shown(page, "text-length")

    response = client.post(url, {**carried(client.get(url)), "confirmed": "1"})
    assert response.status_code == 302
    [texted] = TextMessage.objects.filter(beneficiary=followed)
    assert (texted.kind, texted.language, texted.sent_by) == ("visit_reminder", "fr", coordinator)
    assert texted.message.body == text
    assert texted.message.to == "+212612345678"
    assert AuditEntry.objects.filter(action="beneficiary.texted", actor=coordinator).exists()

    file_page = client.get(reverse("beneficiary_detail", args=[followed.pk])).content.decode()
    assert f'id="text-{texted.pk}"' in file_page
    assert "à envoyer" in file_page  # pending until a worker sends it

    run_jobs()
    [written] = files_backend.iterdir()
    assert written.read_text(encoding="utf-8") == f"+212612345678\n{text}"
    file_page = client.get(reverse("beneficiary_detail", args=[followed.pk])).content.decode()
    assert '<span class="badge text-bg-success">envoyé</span>' in file_page


def test_a_message_changed_since_the_preview_is_not_sent(followed, users, client):
    coordinator = users["coordinator"]
    agree(followed, coordinator, language="fr")
    client.force_login(coordinator)
    url = reverse("text_preview", args=[followed.pk])
    read = carried(client.get(url))
    # A colleague moves the visit meanwhile.
    visit = followed.projects.get().visits.get(milestone_months=3)
    visit.due_on = datetime.date(2026, 4, 20)
    visit.save(update_fields=["due_on"])
    response = client.post(url, {**read, "confirmed": "1"})
    assert response.status_code == 409
    assert "20 avril 2026" in html.unescape(response.content.decode())
    assert not OutboxMessage.objects.exists()


def test_the_preview_says_why_nothing_can_be_sent(followed, users, client):
    coordinator = users["coordinator"]
    in_french(coordinator)
    client.force_login(coordinator)
    url = reverse("text_preview", args=[followed.pk])
    page = client.get(url).content.decode()
    assert "La personne n&#x27;a pas accepté de recevoir des SMS" in page
    assert 'id="confirm"' not in page
    response = client.post(url, {"kind": "visit_reminder", "confirmed": "1"})
    assert response.status_code == 409
    assert not OutboxMessage.objects.exists()


def test_the_agreement_form_records_it(person, users, client):
    coordinator = users["coordinator"]
    client.force_login(coordinator)
    url = reverse("text_contact_edit", args=[person.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"message_language": "fr", "sms_consent": "on"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.message_language, person.sms_consent_by) == ("fr", coordinator)
    # The file's version is untouched: a colleague editing the file loses nothing.
    assert person.version == 1


def test_the_file_page_costs_the_same_queries_whatever_the_number_of_messages(
    followed, users, client, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    coordinator = users["coordinator"]
    agree(followed, coordinator)
    client.force_login(coordinator)
    url = reverse("beneficiary_detail", args=[followed.pk])
    texting.text_send(beneficiary=followed, kind="visit_reminder", by=coordinator)
    client.get(url)  # the first page of a session also renews it
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(4):
        texting.text_send(beneficiary=followed, kind="visit_reminder", by=coordinator)
    with CaptureQueriesContext(connection) as five:
        page = client.get(url).content.decode()
    assert page.count('id="text-') >= 5
    assert len(five) == len(one)


def test_anonymising_the_file_removes_the_number_from_its_messages(followed, users):
    coordinator = users["coordinator"]
    agree(followed, coordinator)
    texted = texting.text_send(beneficiary=followed, kind="visit_reminder", by=coordinator)
    Beneficiary.objects.filter(pk=followed.pk).update(
        archived_at=timezone.now() - datetime.timedelta(days=800)
    )
    assert services.anonymise_archived(years=2) == 1
    texted.message.refresh_from_db()
    assert texted.message.to == services.ANONYMOUS


def test_a_new_number_needs_a_new_agreement(followed, users, client):
    """The agreement was given for the number on the file then: a number corrected or changed
    may be a stranger's, who must not learn from a text that someone is followed here."""
    coordinator = users["coordinator"]
    agree(followed, coordinator)
    person = Beneficiary.objects.get(pk=followed.pk)
    services.beneficiary_update(
        beneficiary=person, by=coordinator, data={"phone": "+212698765432"}, version=person.version
    )
    person.refresh_from_db()
    assert (person.sms_consent_at, person.sms_consent_by) == (None, None)
    entry = AuditEntry.objects.filter(action="beneficiary.updated").latest("pk")
    assert entry.changes == {"phone": "changed", "sms_consent": "withdrawn"}
    with pytest.raises(Refused):
        texting.text_send(beneficiary=person, kind="visit_reminder", by=coordinator)
    assert not OutboxMessage.objects.exists()
    # Other changes leave the agreement alone.
    agree(person, coordinator)
    person.refresh_from_db()
    services.beneficiary_update(
        beneficiary=person, by=coordinator, data={"commune": "Tétouan"}, version=person.version
    )
    person.refresh_from_db()
    assert person.sms_consent_at is not None


def test_the_edit_page_says_the_agreement_must_be_recorded_again(followed, users, client):
    from beneficiaries.forms import BeneficiaryForm

    coordinator = users["coordinator"]
    agree(followed, coordinator)
    person = Beneficiary.objects.get(pk=followed.pk)
    data = {
        name: value
        for name, value in BeneficiaryForm(instance=person, user=coordinator).initial.items()
        if value is not None
    }
    data.update(phone="0698765432", version=person.version)
    coordinator.language = "en"
    coordinator.save(update_fields=["language"])
    client.force_login(coordinator)
    response = client.post(reverse("beneficiary_edit", args=[person.pk]), data, follow=True)
    assert response.redirect_chain, response.context["form"].errors
    page = html.unescape(response.content.decode())
    assert "agreement to text messages was given for the previous number" in page
    assert Beneficiary.objects.get(pk=person.pk).sms_consent_at is None


def test_a_queued_message_is_not_sent_once_the_agreement_is_withdrawn(
    followed, users, files_backend, run_jobs
):
    """A message waiting in the outbox (the gateway down), or tried again by headquarters,
    leaves only while the person still agrees and still has that number."""
    from reintegration import outbox

    coordinator = users["coordinator"]
    agree(followed, coordinator)
    texted = texting.text_send(beneficiary=followed, kind="visit_reminder", by=coordinator)
    texting.text_contact_update(beneficiary=followed, by=coordinator, language="ar", consent=False)
    run_jobs()
    message = OutboxMessage.objects.get(pk=texted.message_id)
    assert message.status == OutboxMessage.Status.FAILED
    assert not files_backend.exists() or not any(files_backend.iterdir())
    # Tried again by headquarters: still not sent.
    outbox.outbox_retry(message=message, by=users["national"])
    run_jobs()
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    assert not files_backend.exists() or not any(files_backend.iterdir())


def test_a_queued_message_is_not_sent_to_a_number_no_longer_on_the_file(
    followed, users, files_backend, run_jobs
):
    coordinator = users["coordinator"]
    agree(followed, coordinator)
    texted = texting.text_send(beneficiary=followed, kind="visit_reminder", by=coordinator)
    # Agreement given again for the new number: the old message still must not go to the old.
    Beneficiary.objects.filter(pk=followed.pk).update(phone="+212698765432")
    run_jobs()
    assert OutboxMessage.objects.get(pk=texted.message_id).status == OutboxMessage.Status.FAILED
    assert not files_backend.exists() or not any(files_backend.iterdir())


def test_a_queued_message_still_leaves_while_the_agreement_holds(
    followed, users, files_backend, run_jobs
):
    coordinator = users["coordinator"]
    agree(followed, coordinator)
    texted = texting.text_send(beneficiary=followed, kind="visit_reminder", by=coordinator)
    run_jobs()
    assert OutboxMessage.objects.get(pk=texted.message_id).status == OutboxMessage.Status.SENT


def test_a_coordinator_of_another_centre_can_neither_text_nor_record_an_agreement(followed, users):
    from reintegration.tests.worlds import make_elsewhere

    agree(followed, users["coordinator"])
    stranger = make_elsewhere()["coordinator"]
    with pytest.raises(Refused, match="not in your area of work"):
        texting.text_send(beneficiary=followed, kind="visit_reminder", by=stranger)
    with pytest.raises(Refused, match="not in your area of work"):
        texting.text_contact_update(beneficiary=followed, by=stranger, language="fr", consent=False)
    followed.refresh_from_db()
    assert followed.sms_consent_at is not None
    assert not OutboxMessage.objects.exists()
