"""The right-of-access PDF gives the person what the application holds about them (law 09-08
art. 7). These tests walk every model of the project's apps that hangs off a person's file
(their detention record, consents, documents, projects and what hangs off those: budget
lines, decisions, visits, money charged to conventions, handovers, items, serial numbers,
certificates) and fail on a field that is neither printed in the PDF nor excluded below with
the reason it is not. A new field or model about a person therefore needs a decision: print
it (a section in beneficiaries/access_request.py or the app's own access_request.py) or say
here why not. The UK Resettlement Passport keeps such a list for its subject-access export."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone, translation
from django.utils.html import escape
from pypdf import PdfReader

from beneficiaries import access_request, needs, services, texting
from beneficiaries.assessments import assessment_record
from beneficiaries.models import Beneficiary, ConsentText, DetentionRecord, Questionnaire
from beneficiaries.tests.factories import PDF_BYTES, BeneficiaryFactory, detention_for
from casework.services import task_create, task_done, task_postpone
from ceremonies import certificates
from ceremonies.models import Certificate, HandoverItem, HandoverItemSerial
from projects import services as project_services
from projects.tests.factories import equipped, make_project
from reintegration import pdf
from reintegration.money import MoneyField
from reintegration.tests.pdf_stub import LayoutSkipped, skip_pdf_layout
from reintegration.tests.protection import unprotected
from reintegration.tests.test_layering import FLOORS

pytestmark = pytest.mark.django_db

ROW = "the row's number in the database, meaningless outside it"
EDITS = "a counter of saves that detects two people editing at once"
IN_FILE = "the link to the person's file: the whole PDF is about that file"
IN_PROJECT = "the link to the project: printed inside that project's part of the PDF"
IN_HANDOVER = "the link to the handover: printed inside that handover's part of the PDF"

# Every field held about a person that the PDF does not print, and why. Keyed by model label.
EXCLUDED = {
    "beneficiaries.beneficiary": {
        "id": ROW,
        "search_text": "the names, number, CIN and phone printed above, folded for searching",
        "name_key": "the Latin-script name printed above, reduced to a key to find duplicates",
        "name_key_ar": "the Arabic name printed above, reduced to a key to find duplicates",
        "version": EDITS,
    },
    "beneficiaries.detentionrecord": {"id": ROW, "beneficiary": IN_FILE},
    "casework.transferrequest": {"id": ROW, "beneficiary": IN_FILE},
    "beneficiaries.consent": {"id": ROW, "beneficiary": IN_FILE},
    "beneficiaries.document": {
        "id": ROW,
        "beneficiary": IN_FILE,
        "file": "the random name the file is stored under; the person may ask for a copy of "
        "the document itself",
        "content_type": "the file's format (PDF, JPEG or PNG), checked when it was attached",
        "size": "the file's size in bytes",
    },
    "beneficiaries.textmessage": {
        "id": ROW,
        "beneficiary": IN_FILE,
        "key": "a code naming an automatic reminder and its day, so that it is not sent twice",
    },
    "beneficiaries.needsassessment": {
        "id": ROW,
        "beneficiary": IN_FILE,
        "latest": "whether it is the person's most recent assessment, which the dates printed say",
    },
    "beneficiaries.domainscore": {
        "id": ROW,
        "assessment": "the assessment it belongs to, printed just above it",
    },
    "projects.lifeproject": {"id": ROW, "beneficiary": IN_FILE, "version": EDITS},
    "projects.budgetline": {"id": ROW, "project": IN_PROJECT},
    "projects.decision": {
        "id": ROW,
        "project": IN_PROJECT,
        "action": "the code of the step taken, which the statuses printed (from, to) say in words",
    },
    "projects.followupvisit": {"id": ROW, "project": IN_PROJECT, "version": EDITS},
    "partners.allocation": {"id": ROW, "project": IN_PROJECT},
    "partners.ledgermovement": {"id": ROW, "project": IN_PROJECT},
    "partners.handover": {"id": ROW, "version": EDITS},
    "partners.handoveritem": {"id": ROW, "handover": IN_HANDOVER},
    "partners.handoveritemserial": {
        "id": ROW,
        "handover": "a copy of the item's handover, kept for a database constraint",
    },
    "casework.task": {
        "id": ROW,
        "beneficiary": IN_FILE,
        "kind": "which milestone wrote a task of the system (a visit due, a consent...): its "
        "title, printed, says it",
        "subject": "the key of that milestone (which visit, which project), printed through the "
        "title and the project",
        "params": "the figures of a system task's title (the visit's month), printed in it",
        "version": EDITS,
    },
    "ceremonies.verificationcheck": {
        "id": ROW,
        "handover": IN_HANDOVER,
        "position": "the order in which the random draw picked the person for the check",
        "version": EDITS,
    },
    "projects.referral": {"id": ROW, "beneficiary": IN_FILE, "version": EDITS},
    "projects.placement": {
        "id": ROW,
        "beneficiary": IN_FILE,
        "version": EDITS,
        "referral": "the referral that led to the job, printed above with the person's referrals",
    },
    "projects.placementcheck": {
        "id": ROW,
        "placement": "the link to the placement: printed inside that placement's part of the PDF",
        "visit": "the follow-up visit at which the person was asked: its date is the check's "
        "date, printed, and the visit is printed with the project's visits",
    },
    "partners.certificate": {
        "id": ROW,
        "handover": IN_HANDOVER,
        "languages": "the certificate's languages: always Arabic and French",
        "snapshot": "the data the certificate printed when issued: the person holds the "
        "certificate, and the same data is printed above from where it is kept",
        "pdf": "the certificate itself, printed for the person on request",
        "sha256": "a fingerprint of the certificate's PDF that proves it unchanged",
    },
}

# The models the walk must reach: if it stops finding one, the walk itself broke.
EXPECTED = {
    "beneficiaries.beneficiary",
    "beneficiaries.detentionrecord",
    "beneficiaries.consent",
    "beneficiaries.document",
    "beneficiaries.textmessage",
    "beneficiaries.needsassessment",
    "beneficiaries.domainscore",
    "projects.lifeproject",
    "projects.budgetline",
    "projects.decision",
    "projects.followupvisit",
    "partners.allocation",
    "partners.ledgermovement",
    "partners.handover",
    "partners.handoveritem",
    "partners.handoveritemserial",
    "partners.certificate",
    "casework.transferrequest",
    "casework.task",
    "ceremonies.verificationcheck",
    "projects.referral",
    "projects.placement",
    "projects.placementcheck",
}


def models_about_a_person() -> list[type[models.Model]]:
    """The file and every model of the project's apps hanging off it, directly or through
    another such model (a project's lines, a handover's items). Reference data the file points
    to (centre, province, trade) is not about the person: their fields are printed by name."""
    found: list[type[models.Model]] = [Beneficiary]
    for model in found:
        for relation in model._meta.related_objects:
            related = relation.related_model
            if related._meta.app_config.name in FLOORS and related not in found:
                found.append(related)
    return found


def fields_of(model: type[models.Model]) -> set[str]:
    return {f.name for f in model._meta.concrete_fields} | {
        f.name for f in model._meta.many_to_many
    }


def sample(model: type[models.Model], field, user):
    """A value for a field left empty by the services, so the PDF has something to print."""
    if field.is_relation:
        return user
    if field.choices:
        return field.choices[-1][0]
    if isinstance(field, MoneyField):
        return Decimal("1234.50")
    if isinstance(field, models.DateTimeField):
        return timezone.make_aware(dt.datetime(2026, 2, 3, 14, 15))
    if isinstance(field, models.DateField):
        return dt.date(2025, 7, 15)
    if isinstance(field, models.BooleanField):
        return True
    if isinstance(field, models.DecimalField):
        return Decimal("2.50")
    if isinstance(field, models.IntegerField):
        return 3
    if isinstance(field, models.FileField):
        return "documents/ab/sample.pdf"
    return f"{model._meta.model_name}-{field.name}"[: field.max_length]


@pytest.fixture
def everything(users, centre, convention, monkeypatch):
    """A person with something in every table about them, every printed field filled: built
    through the services, then the fields they leave empty filled in place."""
    coordinator = users["coordinator"]
    with monkeypatch.context() as patch:
        skip_pdf_layout(patch)  # the certificates issued here are not read
        person = BeneficiaryFactory(centre=centre, by=coordinator, cin="BE123456")
        detention_for(person)
        services.consent_record(
            beneficiary=person,
            by=coordinator,
            data={
                "given_on": dt.date(2026, 1, 15),
                "language": "ar",
                "text": ConsentText.objects.get(),
                "scan": SimpleUploadedFile("signed.pdf", PDF_BYTES),
            },
        )
        services.document_attach(
            beneficiary=person,
            by=coordinator,
            upload=SimpleUploadedFile("levee.pdf", PDF_BYTES),
            kind="release",
        )
        project = equipped(make_project(person, coordinator), users, timezone.localdate())
        task = task_create(
            beneficiary=person,
            project=project,
            title="الاتصال بالمشغل",
            due_on=timezone.localdate(),
            assignee=coordinator,
            by=coordinator,
        )
        task = task_postpone(
            task=task,
            due_on=timezone.localdate() + dt.timedelta(days=3),
            reason="المستفيد في سفر",
            by=coordinator,
            version=1,
        )
        task_done(task=task, by=coordinator, version=2)
        item = HandoverItem.objects.get(handover__project=project)  # two sewing machines
        for unit in (1, 2):
            HandoverItemSerial.objects.create(
                item=item, handover=item.handover, unit=unit, serial=f"SN-ACCESS-000{unit}"
            )
        # A text message: the reminder of the next follow-up visit, in French.
        texting.text_contact_update(beneficiary=person, by=coordinator, language="fr", consent=True)
        texting.text_send(beneficiary=person, kind="visit_reminder", by=coordinator)
        # Referred to a workshop, accepted, achieved; placed in a job, checked, then ended.
        from projects import placements, referrals
        from projects.tests.referral_factories import accepted, days_ago, place

        referral = accepted(
            person, coordinator, referred_on=days_ago(90), request="ورشة إعداد السيرة الذاتية"
        )
        referrals.referral_outcome(
            referral=referral,
            outcome="achieved",
            comment="حضر جميع الحصص",
            outcome_on=days_ago(80),
            by=coordinator,
        )
        job = place(person, coordinator, started_on=days_ago(70), referral=referral)
        placements.placement_check(
            placement=job,
            checked_on=days_ago(10),
            answer=placements.Answer(employed=True, monthly_pay=Decimal("3650.00")),
            by=coordinator,
        )
        placements.placement_end(placement=job, ended_on=days_ago(2), by=coordinator)
        ceremony = project.handover.ceremony
        issued = certificates.certificates_issue(ceremony=ceremony, by=coordinator)[0]
        # A corrected certificate: the cancelled one carries who cancelled it, when and why.
        certificates.certificate_correct(
            certificate=issued, by=coordinator, reason="Numéro de série corrigé"
        )
        # Drawn for the check after the ceremony, called: the equipment is idle.
        from ceremonies import verification

        drawn = verification.round_draw(ceremony=ceremony, months=0, by=users["regional"], size=1)
        verification.check_record(
            check=drawn.checks.get(),
            method="phone",
            checked_on=timezone.localdate(),
            received="problems",
            equipment="idle",
            comment="Machine en attente de réparation",
            by=coordinator,
            version=1,
        )
        # Asked once the certificate was issued (before, the file could not move), declined.
        from casework.transfers import transfer_decline, transfer_request
        from reintegration.tests.factories import CentreFactory, UserFactory

        # Needs assessed at the first follow-up visit, in the questionnaire's version 1.
        visit = project_services.visit_record(
            visit=project.visits.order_by("milestone_months").first(),
            by=coordinator,
            data={"done_on": timezone.localdate(), "kind": "workplace", "business_active": True},
        )
        questionnaire = Questionnaire.objects.get(version=1)
        assessment_record(
            beneficiary=person,
            questionnaire=questionnaire,
            occasion="visit",
            assessed_on=visit.done_on,
            answers={
                question_id: question["choices"][-1]["id"]
                for question_id, question in needs.questions(questionnaire.definition).items()
            },
            by=coordinator,
            visit_id=visit.pk,
        )
        sale = CentreFactory(code="SLE", province__code="04.441")
        asked = transfer_request(beneficiary=person, to_centre=sale, reason="Salé", by=coordinator)
        transfer_decline(
            transfer=asked, by=UserFactory(coordinator=True, centre=sale), reason="Pas de place"
        )
    record = DetentionRecord.objects.get(beneficiary=person)
    # Decisions and ledger movements are append-only in the database: the fields their services
    # leave empty are filled here with the triggers lifted, inside this test's transaction.
    with (
        translation.override("ar"),
        unprotected("projects.migrations.0010_protect_decisions"),
        unprotected("partners.migrations.0007_protect_ledger_and_certificates"),
    ):
        for section in access_request.sections(person, detention=record):
            if section.model is Certificate:  # filled by the correction above
                continue
            for row in section.rows:
                empty = {
                    name: sample(section.model, section.model._meta.get_field(name), coordinator)
                    for name in section.fields
                    if access_request.display(row, name) == access_request.EMPTY
                }
                if empty:
                    section.model._base_manager.filter(pk=row.pk).update(**empty)
    return Beneficiary.objects.get(pk=person.pk)


def shown_sections(person) -> list[access_request.Section]:
    record = DetentionRecord.objects.filter(beneficiary=person).first()
    return access_request.sections(person, detention=record)


def test_every_field_about_a_person_is_printed_or_excluded_with_a_reason(everything):
    walked = models_about_a_person()
    assert {model._meta.label_lower for model in walked} == EXPECTED
    printed: dict[str, set[str]] = {}
    for section in shown_sections(everything):
        printed.setdefault(section.model._meta.label_lower, set()).update(section.fields)
    problems = []
    for model in walked:
        label = model._meta.label_lower
        fields = fields_of(model)
        shown, excluded = printed.get(label, set()), EXCLUDED.get(label, {})
        problems += [
            f"{label}.{name}: neither printed nor excluded"
            for name in sorted(fields - shown - excluded.keys())
        ]
        problems += [
            f"{label}.{name}: printed and excluded" for name in sorted(shown & excluded.keys())
        ]
        problems += [
            f"{label}.{name}: no such field" for name in sorted((shown | excluded.keys()) - fields)
        ]
        problems += [
            f"{label}.{name}: no reason given" for name, why in excluded.items() if not why.strip()
        ]
    assert problems == []
    assert EXCLUDED.keys() <= EXPECTED


class Captured(LayoutSkipped):
    """WeasyPrint's place: keeps the HTML the PDF would be laid out from."""

    pages: list[str] = []

    def __init__(self, *, string: str, url_fetcher=None):
        super().__init__(string=string, url_fetcher=url_fetcher)
        Captured.pages.append(string)


def test_the_pdf_prints_every_field_it_lists_with_its_value(client, users, everything, monkeypatch):
    monkeypatch.setattr(pdf, "HTML", Captured)
    monkeypatch.setattr(pdf, "font_config", lambda: None)
    Captured.pages = []
    client.force_login(users["coordinator"])  # reads Arabic, the default
    assert client.get(f"/beneficiaries/{everything.pk}/access-request.pdf").status_code == 200
    (html,) = Captured.pages
    missing, never_filled = [], []
    with translation.override("ar"):
        for section in shown_sections(everything):
            assert section.rows, section.title
            assert escape(str(section.title)) in html
            for index, name in enumerate(section.fields):
                assert escape(section.headers[index]) in html, (section.model, name)
                values = [row[index] for row in section.values]
                if all(value == access_request.EMPTY for value in values):
                    never_filled.append(f"{section.model._meta.label_lower}.{name}")
                missing += [
                    f"{section.model._meta.label_lower}.{name}: {value}"
                    for value in values
                    # The PDF breaks lines where the value does (``linebreaksbr``).
                    if escape(value).replace("\n", "<br>") not in html
                ]
    # Each printed field had a value in this world, and the PDF holds every one.
    assert never_filled == []
    assert missing == []


def test_the_pdf_itself_reads_the_persons_projects_handover_and_detention(
    client, users, everything
):
    client.force_login(users["national"])
    response = client.get(f"/beneficiaries/{everything.pk}/access-request.pdf")
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    for expected in (
        everything.file_number,
        "Fatima Zahra",
        "BE123456",
        "06 12 34 56 78",
        "SN-ACCESS-0001",
        "Numéro de série corrigé",
        "detentionrecord-training_certificate",
        "budgetline-supplier",
        "followupvisit-difficulties",
        "handover-cheque_number",
    ):
        assert expected in text, expected


def test_a_reader_who_may_not_see_detention_gets_no_detention_section(users, everything):
    assert DetentionRecord.objects.filter(beneficiary=everything).exists()
    with translation.override("en"):
        titles = [str(s.title) for s in access_request.sections(everything, detention=None)]
    assert "Detention record" not in titles
    assert titles[:3] == ["File", "Consent", "Documents"]
