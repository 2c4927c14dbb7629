"""Saving the new-file form twice at the same moment (a double click) opens one file."""

import datetime
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import translation

from beneficiaries import services
from beneficiaries.models import Beneficiary, ProgrammeTrack
from reintegration.models import Province, User


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def typed(cin=""):
    return {
        "first_name_ar": "محمد",
        "last_name_ar": "الإدريسي",
        "first_name_latin": "Mohammed",
        "last_name_latin": "El Idrissi",
        "sex": "M",
        "date_of_birth": "1990-05-17",
        "cin": cin,
        "phone": "0661234567",
        "residence_province": Province.objects.get(code="01.511").pk,
        "commune": "بني مكادة",
        "track": ProgrammeTrack.objects.get(code="standard").pk,
    }


def signed_in(user) -> Client:
    User.objects.filter(pk=user.pk).update(language="en")
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("cin", ["", "AB123456"])
def test_two_simultaneous_saves_of_the_same_person_open_one_file(
    reference_data, users, centre, cin
):
    # A double click sends two; five make the race near certain without the lock.
    clients = [signed_in(users["coordinator"]) for _index in range(5)]
    barrier = threading.Barrier(len(clients))
    pages = []

    def save(client):
        try:
            barrier.wait(timeout=30)
            response = client.post("/beneficiaries/new/", typed(cin))
            pages.append((response.status_code, response.content.decode()))
        except Exception as error:  # an outcome too: the assertion below shows it
            pages.append((None, repr(error)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [status for status, _page in pages].count(302) == 1, pages
    assert [status for status, _page in pages].count(200) == 4, pages
    person = Beneficiary.objects.get()
    reasons = "same phone · same name and date of birth"
    for warning in [page for status, page in pages if status == 200]:
        assert "This person may already have a file" in warning
        assert f'href="/beneficiaries/{person.pk}/"' in warning
        assert (f"same CIN · {reasons}" if cin else reasons) in warning
    assert connection.vendor in ("sqlite", "postgresql")


def _until_someone_waits_for_a_lock() -> bool:
    """True once another connection waits for a lock this transaction holds (PostgreSQL); on
    SQLite a writer cannot even start meanwhile, so half a second lets it queue."""
    if connection.vendor != "postgresql":
        time.sleep(0.5)
        return True
    deadline = time.monotonic() + 20
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_cin_taken_by_another_centre_during_the_save_gives_the_warning(
    reference_data, users, centre, elsewhere
):
    """Another centre's lock does not cover this one: its file with the same CIN, committed
    after this save's check, makes the insert fail on the CIN's unique constraint; the form
    shows the warning instead of an error page."""
    client = signed_in(users["coordinator"])
    inserted = threading.Event()
    waited = []
    data = {
        **typed("AB123456"),
        "residence_province": Province.objects.get(code="01.511"),
        "track": ProgrammeTrack.objects.get(code="standard"),
        "phone": "+212600000009",
        "first_name_latin": "Hamid",
        "first_name_ar": "حميد",
        "date_of_birth": datetime.date(1990, 5, 17),
    }

    def open_elsewhere():
        try:
            with transaction.atomic():
                services.beneficiary_create(
                    by=elsewhere["coordinator"], centre=elsewhere["centre"], data=data
                )
                inserted.set()
                waited.append(_until_someone_waits_for_a_lock())
        finally:
            inserted.set()
            connections.close_all()

    thread = threading.Thread(target=open_elsewhere)
    thread.start()
    assert inserted.wait(timeout=30)
    response = client.post("/beneficiaries/new/", typed("AB123456"))
    thread.join(timeout=60)

    assert waited == [True]
    assert response.status_code == 200
    page = response.content.decode()
    assert "A file with this CIN exists in another centre: contact headquarters." in page
    assert "A CIN belongs to one file only: the file cannot be opened again." in page
    assert list(Beneficiary.objects.values_list("centre", flat=True)) == [elsewhere["centre"].pk]
