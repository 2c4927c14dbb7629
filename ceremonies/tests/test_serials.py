"""One physical item, one serial number: a line of two machines carries two serial numbers,
both checked against every other handover and both printed on the certificate."""

import io
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from beneficiaries.tests.factories import BeneficiaryFactory
from ceremonies import certificates
from ceremonies import services as ceremonies
from ceremonies.models import Certificate, Handover, HandoverItemSerial
from ceremonies.tests.factories import held_ceremony, plan_ceremony
from partners.models import Allocation
from projects.tests.factories import approved, make_project
from reintegration.models import User
from reintegration.refusals import Refused

pytestmark = pytest.mark.django_db

SEWING = (("ماكينة خياطة", "2", "6800.00"), ("مقص", "1", "350.50"))  # 13,950.50 DH
ONE_FOR_TWO = (
    "ماكينة خياطة: quantity 2, serial numbers entered: 1. Enter one serial number per unit, "
    "one per line, or none for consumables and stock."
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def projects(centre, users, convention):
    coordinator = users["coordinator"]
    return [
        approved(
            make_project(
                BeneficiaryFactory(centre=centre, by=coordinator), coordinator, lines=SEWING
            ),
            users,
        )
        for _index in range(2)
    ]


def planned(project, users) -> Handover:
    coordinator = users["coordinator"]
    ceremony = plan_ceremony(coordinator)
    ceremonies.ceremony_add_projects(ceremony=ceremony, by=coordinator, project_ids=[project.pk])
    return Handover.objects.get(project=project)


def lines(handover, *serials):
    """The handover's items as the form sends them, with ``serials`` per line in order."""
    return [
        {
            "id": item.pk,
            "designation": item.designation,
            "brand": item.brand,
            "serials": list(given),
            "quantity": item.quantity,
            "unit_value": item.unit_value,
        }
        for item, given in zip(handover.items.all(), serials, strict=True)
    ]


def save(handover, users, *serials):
    handover.refresh_from_db()
    return ceremonies.handover_save(
        handover=handover,
        by=users["coordinator"],
        items=lines(handover, *serials),
        version=handover.version,
    )


def serials_of(handover) -> list[list[str]]:
    return [list(item.serials.values_list("serial", flat=True)) for item in handover.items.all()]


def pdf_text(pdf: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.split())


def test_it_refuses_two_machines_with_one_serial_number(projects, users):
    handover = planned(projects[0], users)
    with pytest.raises(Refused) as error:
        save(handover, users, ["JK-1"], [])
    assert error.value.message == ONE_FOR_TWO
    assert serials_of(handover) == [[], []]


def test_the_page_refuses_one_serial_for_two_machines_and_keeps_what_was_typed(
    client, projects, users
):
    handover = planned(projects[0], users)
    User.objects.filter(pk=users["coordinator"].pk).update(language="en")
    client.force_login(users["coordinator"])
    url = reverse("handover_edit", args=[handover.ceremony_id, handover.pk])
    page = client.get(url).content.decode()
    assert "one for each unit (two machines, two serial numbers)" in page
    machine, scissors = handover.items.all()
    data = {
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "2",
        "items-MIN_NUM_FORMS": "1",
        "items-MAX_NUM_FORMS": "1000",
        "version": str(handover.version),
        "cheque_amount": "",
        "cheque_number": "",
    }
    for index, item in enumerate((machine, scissors)):
        data.update(
            {
                f"items-{index}-id": str(item.pk),
                f"items-{index}-handover": str(handover.pk),
                f"items-{index}-designation": item.designation,
                f"items-{index}-brand": "Juki",
                f"items-{index}-serial_numbers": "",
                f"items-{index}-quantity": str(item.quantity),
                f"items-{index}-unit_value": str(item.unit_value),
            }
        )
    data["items-0-serial_numbers"] = "ddl-8700 a"
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert ONE_FOR_TWO in html
    assert "ddl-8700 a</textarea>" in html  # kept as typed
    assert serials_of(handover) == [[], []]

    # Both machines' serials, one per line, typed the Arabic way for the digits.
    data["items-0-serial_numbers"] = "ddl-8700 a\r\n\r\nDDL-٨٧٠١ b\r\n"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()
    assert serials_of(handover) == [["DDL-8700A", "DDL-8701B"], []]
    page = client.get(url).content.decode()
    assert "DDL-8700A\nDDL-8701B</textarea>" in page


def test_a_quantity_with_serial_numbers_is_whole(projects, users):
    handover = planned(projects[0], users)
    items = lines(handover, ["A1", "A2"], [])
    items[0]["quantity"] = Decimal("1.50")
    with pytest.raises(Refused) as error:
        ceremonies.handover_save(
            handover=handover, by=users["coordinator"], items=items, version=handover.version
        )
    assert error.value.message == (
        "ماكينة خياطة: serial numbers are given per unit, so the quantity must be a whole "
        "number. Enter a whole quantity, or no serial number for consumables and stock."
    )
    items[0]["serials"] = []  # cloth by the metre: no serial at all is accepted
    ceremonies.handover_save(
        handover=handover, by=users["coordinator"], items=items, version=handover.version
    )
    assert serials_of(handover) == [[], []]


def test_two_serials_are_accepted_and_both_printed_on_the_certificate(projects, users):
    handover = planned(projects[0], users)
    save(handover, users, ["juki 0041", "juki 0042"], ["mq-7"])
    assert serials_of(handover) == [["JUKI0041", "JUKI0042"], ["MQ-7"]]
    ceremonies.ceremony_hold(ceremony=handover.ceremony, by=users["regional"])
    certificate = certificates.certificates_issue(
        ceremony=handover.ceremony, by=users["coordinator"]
    )[0]
    assert certificate.snapshot["items"][0]["serials"] == ["JUKI0041", "JUKI0042"]
    text = pdf_text(bytes(certificate.pdf))
    assert "JUKI0041" in text and "JUKI0042" in text and "MQ-7" in text
    assert len(PdfReader(io.BytesIO(bytes(certificate.pdf))).pages) == 1


def test_a_serial_already_handed_over_is_refused_for_the_second_unit_of_a_line(projects, users):
    first = planned(projects[0], users)
    save(first, users, ["SN-100", "SN-101"], [])
    second = planned(projects[1], users)  # another ceremony, the same convention
    with pytest.raises(Refused) as error:
        save(second, users, ["SN-200", " sn-101"], [])
    assert error.value.message == (
        "The serial number SN-101 was already handed over to another beneficiary under the "
        "same convention."
    )
    save(second, users, ["SN-200", "SN-201"], [])


def test_a_serial_twice_in_one_list_is_refused_across_two_lines(projects, users):
    handover = planned(projects[0], users)
    with pytest.raises(Refused) as error:
        save(handover, users, ["SN-1", "SN-2"], ["sn-2"])
    assert error.value.message == "The serial number SN-2 appears twice."
    with pytest.raises(Refused, match="SN-3 appears twice"):
        save(handover, users, ["SN-3", "SN-3"], [])
    # The database refuses it as well, whatever the code above it does.
    save(handover, users, ["SN-1", "SN-2"], ["SN-4"])
    scissors = handover.items.last()
    with pytest.raises(IntegrityError), transaction.atomic():
        HandoverItemSerial.objects.create(item=scissors, handover=handover, unit=2, serial="SN-1")


def test_a_partial_correction_after_the_certificate_is_checked_against_every_unit(projects, users):
    other = planned(projects[1], users)
    save(other, users, ["OT-1", "OT-2"], [])
    handover = planned(projects[0], users)
    items = lines(handover, ["SN-1", "SN-2"], ["SN-3"])
    items[1]["unit_value"] = Decimal("300.00")  # cheaper scissors than approved
    ceremonies.handover_save(handover=handover, by=users["coordinator"], items=items, version=1)
    ceremony = ceremonies.ceremony_hold(ceremony=handover.ceremony, by=users["regional"])
    # What was not spent went back to the convention: the allocation is released.
    assert Allocation.objects.get(project=projects[0]).released_at is not None
    old = certificates.certificates_issue(ceremony=ceremony, by=users["coordinator"])[0]
    handover.refresh_from_db()

    # Only the machines' row is sent: the scissors keep SN-3 and count all the same.
    machines = lines(handover, ["SN-1", "sn-3"], [])[:1]
    with pytest.raises(Refused, match="SN-3 appears twice"):
        ceremonies.handover_save(
            handover=handover, by=users["coordinator"], items=machines, version=handover.version
        )
    # The serials handed over stay under the convention, released allocation or not.
    machines[0]["serials"] = ["SN-1", "OT-2"]
    with pytest.raises(Refused, match="OT-2 was already handed over"):
        ceremonies.handover_save(
            handover=handover, by=users["coordinator"], items=machines, version=handover.version
        )
    machines[0]["serials"] = ["SN-2", "SN-1"]  # the two machines' plates were swapped
    ceremonies.handover_save(
        handover=handover, by=users["coordinator"], items=machines, version=handover.version
    )
    assert serials_of(handover) == [["SN-2", "SN-1"], ["SN-3"]]
    new = certificates.certificate_correct(
        certificate=old, by=users["coordinator"], reason="Numéros inversés"
    )
    assert [item["serials"] for item in new.snapshot["items"]] == [["SN-2", "SN-1"], ["SN-3"]]
    assert bytes(Certificate.objects.get(pk=old.pk).pdf) == bytes(old.pdf)


@pytest.mark.usefixtures("no_pdf_layout")  # issues certificates, reads none
def test_a_line_moved_from_the_single_serial_field_is_completed_before_a_new_certificate(
    projects, users
):
    ceremony = held_ceremony(projects[:1], users)
    handover = Handover.objects.get(project=projects[0])
    machine = handover.items.first()
    # As the migration leaves a line of two machines that had one serial.
    HandoverItemSerial.objects.create(item=machine, handover=handover, unit=1, serial="OLD-1")
    with pytest.raises(Refused) as error:
        certificates.certificates_issue(ceremony=ceremony, by=users["coordinator"])
    number = projects[0].beneficiary.file_number
    assert error.value.message == f"The certificate of {number} was not issued. {ONE_FOR_TWO}"
    assert not Certificate.objects.exists()
    save(handover, users, ["OLD-1", "OLD-2"], [])
    assert len(certificates.certificates_issue(ceremony=ceremony, by=users["coordinator"])) == 1


@pytest.mark.usefixtures("no_pdf_layout")  # issues certificates, reads none
def test_a_refusal_half_way_still_settles_the_tasks_of_the_certificates_issued_before_it(
    projects, users, django_capture_on_commit_callbacks
):
    from casework.models import Task
    from casework.services import tasks_sync

    ceremony = held_ceremony(projects, users)
    first, second = Handover.objects.filter(ceremony=ceremony).order_by("pk")
    HandoverItemSerial.objects.create(
        item=second.items.first(), handover=second, unit=1, serial="OLD-1"
    )
    tasks_sync()

    def waiting() -> set[str]:
        return set(
            Task.objects.open()
            .filter(kind="certificate_to_issue")
            .values_list("subject", flat=True)
        )

    assert waiting() == {f"handover:{first.pk}", f"handover:{second.pk}"}
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Refused):
        certificates.certificates_issue(ceremony=ceremony, by=users["coordinator"])
    assert list(Certificate.objects.values_list("handover", flat=True)) == [first.pk]
    assert waiting() == {f"handover:{second.pk}"}


def test_holding_refuses_a_line_with_missing_serials(projects, users):
    handover = planned(projects[0], users)
    machine = handover.items.first()
    HandoverItemSerial.objects.create(item=machine, handover=handover, unit=1, serial="OLD-1")
    number = projects[0].beneficiary.file_number
    with pytest.raises(Refused) as error:
        ceremonies.ceremony_hold(ceremony=handover.ceremony, by=users["regional"])
    assert error.value.message == f"{number}: {ONE_FOR_TWO}"


def test_a_certificate_issued_before_serials_per_unit_still_renders_its_serial(projects, users):
    ceremony = held_ceremony(projects[:1], users)
    certificate = certificates.certificates_issue(ceremony=ceremony, by=users["coordinator"])[0]
    snapshot = certificate.snapshot
    for item in snapshot["items"]:
        del item["serials"]
        item["serial"] = "LEGACY-77"  # the shape certificates had, one serial per line
    assert "LEGACY-77" in pdf_text(certificates.render_certificate(snapshot))


@pytest.mark.django_db(transaction=True)
def test_two_ceremonies_recording_one_serial_at_once_keep_it_for_one(
    reference_data, centre, users, convention
):
    import threading

    from django.db import connections

    coordinator = users["coordinator"]
    handovers = []
    for _index in range(2):
        person = BeneficiaryFactory(centre=centre, by=coordinator)
        handovers.append(planned(approved(make_project(person, coordinator), users), users))
    barrier = threading.Barrier(2)
    outcomes = []

    def record(handover):
        try:
            barrier.wait(timeout=30)
            with translation.override("en"):
                save(handover, users, ["SAME-1", f"OWN-{handover.pk}"])
            outcomes.append("saved")
        except Refused as error:
            outcomes.append(error.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=record, args=(h,)) for h in handovers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == [
        "The serial number SAME-1 was already handed over to another beneficiary under the "
        "same convention.",
        "saved",
    ], outcomes
    assert HandoverItemSerial.objects.filter(serial="SAME-1").count() == 1


def test_a_serial_longer_than_its_column_is_refused_with_a_message():
    serial = "SN" + "7" * 59
    with translation.override("en"):
        problem = ceremonies.serial_problem(
            designation="Piqueuse", quantity=Decimal("1"), serials=[serial]
        )
        assert problem == (
            f"Piqueuse: the serial number {serial} is longer than 60 characters: check it."
        )
        assert (
            ceremonies.serial_problem(
                designation="Piqueuse", quantity=Decimal("1"), serials=[serial[:60]]
            )
            is None
        )
