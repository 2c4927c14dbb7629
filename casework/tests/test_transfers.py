"""Transfers between centres: who may ask and answer, what moves, what stays, who is told."""

import pytest
from django.test import Client
from django.utils import timezone, translation

from beneficiaries.models import Beneficiary, DetentionRecord
from beneficiaries.tests.factories import BeneficiaryFactory, detention_for
from casework.models import Task, TransferRequest
from casework.transfers import (
    transfer_accept,
    transfer_cancel,
    transfer_decline,
    transfer_request,
)
from projects.models import FollowUpVisit, LifeProject
from projects.tests.factories import approved, equipped, make_project
from reintegration.models import AuditEntry, Notification
from reintegration.refusals import Refused
from reintegration.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def casa(elsewhere):
    """Casablanca's centre and its coordinator, who receive the file."""
    return elsewhere


def ask(person, users, casa, reason="Installé chez sa sœur à Casablanca"):
    return transfer_request(
        beneficiary=person, to_centre=casa["centre"], reason=reason, by=users["coordinator"]
    )


def test_a_file_opened_by_a_coordinator_has_them_as_referent(person, users):
    assert person.referent == users["coordinator"]


def test_a_file_opened_by_headquarters_has_no_referent(centre, users):
    file = BeneficiaryFactory(centre=centre, by=users["national"])
    assert file.referent is None


def test_asking_tells_the_receiving_coordinators_and_moves_nothing(person, users, casa):
    transfer = ask(person, users, casa)
    person.refresh_from_db()
    assert person.centre.code == "TNG"
    assert transfer.status == TransferRequest.Status.REQUESTED
    assert (transfer.from_centre.code, transfer.to_centre.code) == ("TNG", "CAS")
    told = Notification.objects.get(kind="transfer.requested")
    assert told.recipient == casa["coordinator"]
    assert told.url == f"/transfers/{transfer.pk}/"
    entry = AuditEntry.objects.get(action="beneficiary.transfer_requested")
    assert (entry.target_id, entry.changes) == (str(person.pk), {"from": "TNG", "to": "CAS"})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reason": "  "}, "Say why the file should move to another centre."),
        ({"to": "own"}, "The file already belongs to this centre."),
        ({"closed": True}, "This centre is closed: choose another one."),
    ],
)
def test_a_request_needs_a_reason_and_another_open_centre(person, users, casa, change, message):
    target = casa["centre"]
    if change.get("to") == "own":
        target = person.centre
    if change.get("closed"):
        target.active = False
        target.save(update_fields=["active"])
    with pytest.raises(Refused) as refusal, translation.override("en"):
        transfer_request(
            beneficiary=person,
            to_centre=target,
            reason=change.get("reason", "Déménagement"),
            by=users["coordinator"],
        )
    assert refusal.value.message == message
    assert not TransferRequest.objects.exists()


def test_one_pending_request_per_file(person, users, casa):
    ask(person, users, casa)
    with pytest.raises(Refused) as refusal, translation.override("en"):
        ask(person, users, casa)
    assert refusal.value.message == (
        "A transfer of this file to CAR CAS is already awaiting an answer."
    )


def test_the_database_keeps_one_pending_request_per_file(person, users, casa):
    from django.db import IntegrityError, transaction

    ask(person, users, casa)
    with pytest.raises(IntegrityError), transaction.atomic():
        TransferRequest.objects.create(
            beneficiary=person,
            from_centre=person.centre,
            to_centre=casa["centre"],
            reason="x",
            requested_by=users["coordinator"],
        )


def test_an_archived_file_is_not_transferred(person, users, casa):
    from beneficiaries.services import beneficiary_archive

    beneficiary_archive(beneficiary=person, by=users["coordinator"], reason="décès")
    person.refresh_from_db()
    with pytest.raises(Refused), translation.override("en"):
        ask(person, users, casa)


@pytest.mark.parametrize("role", ["regional", "auditor", "official"])
def test_only_the_centre_or_headquarters_may_ask(person, users, casa, role):
    with pytest.raises(Refused):
        transfer_request(beneficiary=person, to_centre=casa["centre"], reason="x", by=users[role])


def test_another_centre_cannot_ask_for_a_file_it_does_not_see(person, users, casa):
    with pytest.raises(Refused) as refusal, translation.override("en"):
        transfer_request(
            beneficiary=person, to_centre=casa["centre"], reason="x", by=casa["coordinator"]
        )
    assert refusal.value.message == "This file is no longer in your lists."


def test_accepting_moves_the_file_its_project_visits_and_tasks(
    person, users, casa, convention, monkeypatch
):
    from ceremonies.certificates import certificates_issue
    from reintegration.tests.pdf_stub import skip_pdf_layout

    project = equipped(make_project(person, users["coordinator"]), users, timezone.localdate())
    # Handed over, with the certificate issued by the sending centre.
    skip_pdf_layout(monkeypatch)
    certificates_issue(ceremony=project.handover.ceremony, by=users["coordinator"])
    detention_for(person)
    task = Task.objects.create(
        beneficiary=person,
        title="Appeler",
        due_on=timezone.localdate(),
        assignee=users["coordinator"],
    )
    done = Task.objects.create(
        beneficiary=person,
        title="Fait",
        due_on=timezone.localdate(),
        assignee=users["coordinator"],
        status=Task.Status.DONE,
    )
    version = Beneficiary.objects.get(pk=person.pk).version
    number = person.file_number
    transfer = ask(person, users, casa)

    transfer_accept(transfer=transfer, by=casa["coordinator"])

    person.refresh_from_db()
    assert person.centre == casa["centre"]
    assert person.file_number == number
    assert person.referent == casa["coordinator"]
    assert person.version == version + 1
    task.refresh_from_db()
    done.refresh_from_db()
    assert task.assignee == casa["coordinator"]
    assert done.assignee == users["coordinator"]  # closed tasks keep who did them
    old, new = users["coordinator"], casa["coordinator"]
    for model in (Beneficiary, LifeProject, FollowUpVisit, Task, DetentionRecord):
        assert not model.objects.visible_to(old).exists(), model
        assert model.objects.visible_to(new).exists(), model
    assert LifeProject.objects.visible_to(new).get() == project
    # The region of Tanger no longer sees it; Casablanca's does.
    assert not Beneficiary.objects.visible_to(users["regional"]).exists()
    assert Beneficiary.objects.visible_to(casa["regional"]).get() == person
    # Officials and auditors never see the detention record, wherever the file is.
    auditor = users["auditor"]
    assert not DetentionRecord.objects.visible_to(auditor).exists()
    assert not DetentionRecord.objects.visible_to(UserFactory(official=True)).exists()

    transfer.refresh_from_db()
    assert (transfer.status, transfer.answered_by) == ("accepted", casa["coordinator"])
    entry = AuditEntry.objects.get(action="beneficiary.transfer_accepted")
    assert entry.changes["centre"] == ["TNG", "CAS"]
    assert entry.changes["open_tasks_moved"] == 1
    told = set(
        Notification.objects.filter(kind="transfer.accepted").values_list("recipient", flat=True)
    )
    assert told == {users["coordinator"].pk}


def test_after_the_move_the_old_centre_gets_404_and_the_new_one_the_record(
    client, person, users, casa
):
    detention_for(person)
    transfer_accept(transfer=ask(person, users, casa), by=casa["coordinator"])
    client.force_login(users["coordinator"])
    assert client.get(f"/beneficiaries/{person.pk}/").status_code == 404
    assert client.get(f"/beneficiaries/{person.pk}/?show=detention").status_code == 404
    receiving = Client()
    receiving.force_login(casa["coordinator"])
    page = receiving.get(f"/beneficiaries/{person.pk}/?show=detention")
    assert page.status_code == 200
    assert "لحام" in page.content.decode()  # the training followed in prison
    auditor = Client()
    auditor.force_login(users["auditor"])
    page = auditor.get(f"/beneficiaries/{person.pk}/?show=detention")
    assert page.status_code == 200
    assert "لحام" not in page.content.decode()


def test_the_file_history_keeps_both_centres(client, person, users, casa):
    transfer = ask(person, users, casa)
    transfer_accept(transfer=transfer, by=casa["coordinator"])
    client.force_login(casa["coordinator"])
    text = client.get(f"/beneficiaries/{person.pk}/").content.decode()
    section = text[
        text.index('id="transfer-history"') : text.index(
            "</section>", text.index('id="transfer-history"')
        )
    ]
    # Both centres by their Arabic names (the reader's language), the people by name.
    assert section.index("مركز TNG") < section.index("مركز CAS")
    assert section.count("Amina Test") == 2  # who asked, who answered
    actions = list(
        AuditEntry.objects.filter(target_id=str(person.pk)).values_list("action", flat=True)
    )
    assert {"beneficiary.transfer_requested", "beneficiary.transfer_accepted"} <= set(actions)


def test_headquarters_accepts_and_the_file_arrives_without_referent(person, users, casa):
    transfer_accept(transfer=ask(person, users, casa), by=users["national"])
    person.refresh_from_db()
    assert (person.centre, person.referent) == (casa["centre"], None)


@pytest.mark.parametrize("who", ["requester", "regional", "auditor", "other_casa_region"])
def test_only_the_receiving_centre_answers(person, users, casa, who):
    transfer = ask(person, users, casa)
    by = {
        "requester": users["coordinator"],
        "regional": casa["regional"],
        "auditor": users["auditor"],
        "other_casa_region": users["regional"],
    }[who]
    with pytest.raises(Refused):
        transfer_accept(transfer=transfer, by=by)
    with pytest.raises(Refused):
        transfer_decline(transfer=transfer, by=by, reason="non")
    person.refresh_from_db()
    assert person.centre.code == "TNG"


def test_declining_needs_a_reason_and_tells_the_requesting_centre(person, users, casa):
    colleague = UserFactory(coordinator=True, centre=person.centre)
    transfer = ask(person, users, casa)
    with pytest.raises(Refused) as refusal, translation.override("en"):
        transfer_decline(transfer=transfer, by=casa["coordinator"], reason=" ")
    assert refusal.value.message == (
        "Say why the transfer is declined: the requesting centre will read it."
    )
    transfer_decline(transfer=transfer, by=casa["coordinator"], reason="Hors de notre ressort")
    transfer.refresh_from_db()
    person.refresh_from_db()
    assert (transfer.status, transfer.answer_reason) == ("declined", "Hors de notre ressort")
    assert person.centre.code == "TNG"
    told = set(
        Notification.objects.filter(kind="transfer.declined").values_list("recipient", flat=True)
    )
    assert told == {users["coordinator"].pk, colleague.pk}


def test_an_answered_request_cannot_be_answered_again(person, users, casa):
    transfer = ask(person, users, casa)
    transfer_decline(transfer=transfer, by=casa["coordinator"], reason="Non")
    with pytest.raises(Refused) as refusal, translation.override("en"):
        transfer_accept(transfer=transfer, by=casa["coordinator"])
    assert refusal.value.message == (
        "This transfer was already answered (declined): nothing was changed."
    )


def test_the_requesting_centre_withdraws_and_may_ask_again(person, users, casa):
    transfer = ask(person, users, casa)
    with pytest.raises(Refused):
        transfer_cancel(transfer=transfer, by=casa["coordinator"])
    transfer_cancel(transfer=transfer, by=users["coordinator"])
    transfer.refresh_from_db()
    assert transfer.status == "cancelled"
    assert Notification.objects.filter(
        kind="transfer.cancelled", recipient=casa["coordinator"]
    ).exists()
    assert ask(person, users, casa).status == "requested"


def test_a_person_on_a_planned_ceremony_is_not_transferred(person, users, casa, convention):
    from ceremonies.services import ceremony_add_projects, handover_remove
    from ceremonies.tests.factories import plan_ceremony

    project = approved(make_project(person, users["coordinator"]), users)
    ceremony = plan_ceremony(users["coordinator"])
    ceremony_add_projects(ceremony=ceremony, by=users["coordinator"], project_ids=[project.pk])
    with pytest.raises(Refused) as refusal, translation.override("en"):
        ask(person, users, casa)
    assert refusal.value.message.startswith("This person is on the ceremony planned on ")
    assert "remove them from it, or hold it, before the file moves" in refusal.value.message
    # Planned after the request: the acceptance is refused for the same reason.
    handover_remove(handover=ceremony.handovers.get(), by=users["coordinator"])
    transfer = ask(person, users, casa)
    ceremony_add_projects(ceremony=ceremony, by=users["coordinator"], project_ids=[project.pk])
    with pytest.raises(Refused):
        transfer_accept(transfer=transfer, by=casa["coordinator"])
    person.refresh_from_db()
    assert person.centre.code == "TNG"


def test_money_stays_on_the_convention_that_paid(person, users, casa, convention):
    from partners.models import Allocation

    project = approved(make_project(person, users["coordinator"]), users)
    before = list(Allocation.objects.filter(project=project).values_list("convention", "amount"))
    transfer_accept(transfer=ask(person, users, casa), by=casa["coordinator"])
    after = list(Allocation.objects.filter(project=project).values_list("convention", "amount"))
    assert after == before != []


def test_anonymising_the_file_removes_the_reasons(person, users, casa):
    from casework.transfers import transfers_anonymise

    transfer = ask(person, users, casa, reason="Vit chez son frère, rue X")
    assert transfers_anonymise(person) == {"transfer_requests": [transfer.pk]}
    transfer.refresh_from_db()
    assert transfer.reason == "—"


def test_a_person_whose_certificate_is_not_issued_yet_is_not_transferred(
    person, users, casa, convention, monkeypatch
):
    from ceremonies.certificates import certificates_issue
    from ceremonies.tests.factories import held_ceremony
    from reintegration.tests.pdf_stub import skip_pdf_layout

    skip_pdf_layout(monkeypatch)  # what is printed is not read here
    project = approved(make_project(person, users["coordinator"]), users)
    ceremony = held_ceremony([project], users)
    # The certificate is the sending centre's to issue: the receiving one could not open the
    # ceremony.
    with pytest.raises(Refused) as refusal, translation.override("en"):
        ask(person, users, casa)
    assert refusal.value.message.startswith(
        "The handover certificate of this person from the ceremony held on "
    )
    certificates_issue(ceremony=ceremony, by=users["coordinator"])
    assert ask(person, users, casa).status == "requested"


def test_past_a_screenful_the_list_says_how_many_requests_wait(client, centre, users, casa):
    from reintegration.pagination import WORKLIST_PAGE_SIZE

    files = [BeneficiaryFactory(centre=centre, by=users["coordinator"]) for _ in range(3)]
    TransferRequest.objects.bulk_create(
        TransferRequest(
            beneficiary=file,
            from_centre=centre,
            to_centre=casa["centre"],
            reason="x",
            requested_by=users["coordinator"],
        )
        for file in files
    )
    client.force_login(users["national"])
    html = client.get("/transfers/").content.decode()
    assert 'id="count-pending">3<' in html and 'id="more-pending"' not in html
    # The latest answered ones follow the waiting ones (none yet).
    assert 'id="heading-answered"' in html and 'id="count-answered">0<' in html

    more = [BeneficiaryFactory(centre=centre, by=users["coordinator"]) for _ in range(48)]
    TransferRequest.objects.bulk_create(
        TransferRequest(
            beneficiary=file,
            from_centre=centre,
            to_centre=casa["centre"],
            reason="x",
            requested_by=users["coordinator"],
        )
        for file in more
    )
    html = client.get("/transfers/").content.decode()
    assert WORKLIST_PAGE_SIZE == 50
    assert 'id="count-pending">51<' in html
    assert html.count('href="/transfers/') >= 50
    assert 'id="more-pending"' in html
