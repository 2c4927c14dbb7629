"""The search box of the top bar: a file number or a CIN opens the file, a phone number in any
usual form or a name in either script lists the files found, always within the user's scope,
for the same number of queries however many files there are."""

from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from beneficiaries.forms import typed_phone
from beneficiaries.tests.factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db


def search(client, text):
    return client.get(f"/beneficiaries/search/?{urlencode({'q': text})}")


def found(client, text):
    """The files the search lists (following its redirect to the list)."""
    response = search(client, text)
    assert response.status_code == 302
    listed = client.get(response["Location"])
    assert listed.status_code == 200
    return {b.pk for b in listed.context["page"].object_list}


@pytest.fixture
def files(users, centre):
    coordinator = users["coordinator"]
    return {
        "karim": BeneficiaryFactory(
            centre=centre,
            by=coordinator,
            first_name_ar="عبد القادر",
            last_name_ar="الإدريسي",
            first_name_latin="Abdelkader",
            last_name_latin="El Idrissi",
            sex="M",
            cin="BE123456",
            phone="+212661234567",
        ),
        "fatima": BeneficiaryFactory(centre=centre, by=coordinator, phone="+212700112233"),
    }


def test_a_file_number_typed_whole_opens_the_file(client, users, files):
    karim = files["karim"]
    client.force_login(users["regional"])
    for typed in (karim.file_number, karim.file_number.lower(), f"  {karim.file_number} "):
        response = search(client, typed)
        assert response.status_code == 302
        assert response["Location"] == f"/beneficiaries/{karim.pk}/", typed


@pytest.mark.parametrize("typed", ["BE123456", "be123456", "BE 123 456", "be-123456"])
def test_a_cin_typed_whole_opens_the_file(client, users, files, typed):
    client.force_login(users["coordinator"])
    assert search(client, typed)["Location"] == f"/beneficiaries/{files['karim'].pk}/"


@pytest.mark.parametrize(
    "typed",
    [
        "06 61 23 45 67",
        "0661234567",
        "+212661234567",
        "+212 6 61 23 45 67",
        "06.61.23.45.67",
        "06-61-23-45-67",
        "00212661234567",
        "٠٦٦١٢٣٤٥٦٧",
        "+212 (0)6 61 23 45 67",
    ],
)
def test_a_phone_number_in_any_usual_form_finds_its_file(client, users, files, typed):
    client.force_login(users["coordinator"])
    assert found(client, typed) == {files["karim"].pk}


@pytest.mark.parametrize(
    "typed", ["عبد القادر", "عبدالقادر الادريسي", "Abdel Kader", "abdelkader idrissi", "IDRISSI"]
)
def test_a_name_in_either_script_lists_the_files_of_that_name(client, users, files, typed):
    client.force_login(users["coordinator"])
    assert found(client, typed) == {files["karim"].pk}


def test_an_empty_search_goes_to_the_list(client, users, files):
    client.force_login(users["coordinator"])
    response = search(client, "")
    assert response["Location"] == "/beneficiaries/"


def test_files_outside_the_scope_are_neither_opened_nor_listed(client, users, files, elsewhere):
    casablanca = BeneficiaryFactory(
        centre=elsewhere["centre"], by=elsewhere["coordinator"], cin="CD987654"
    )
    client.force_login(users["coordinator"])
    for typed in (casablanca.file_number, "CD987654"):
        response = search(client, typed)
        assert response["Location"].startswith("/beneficiaries/?q="), typed
        assert found(client, typed) == set()
    # Its own staff find it.
    client.force_login(elsewhere["coordinator"])
    assert search(client, "cd987654")["Location"] == f"/beneficiaries/{casablanca.pk}/"


def test_the_box_is_in_the_top_bar_for_those_who_may_list_files(client, users):
    for role in ("coordinator", "regional", "national", "auditor"):
        client.force_login(users[role])
        html = client.get("/").content.decode()
        assert 'action="/beneficiaries/search/"' in html, role
    client.force_login(users["official"])
    assert 'action="/beneficiaries/search/"' not in client.get("/").content.decode()
    client.logout()
    assert 'action="/beneficiaries/search/"' not in client.get("/accounts/login/").content.decode()


def queries(client, text) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = search(client, text)
        assert response.status_code == 302
        if response["Location"].startswith("/beneficiaries/?"):
            assert client.get(response["Location"]).status_code == 200
    return len(captured)


def test_a_search_costs_the_same_queries_for_a_few_files_or_many(client, users, centre, files):
    client.force_login(users["regional"])
    client.get("/")  # the first request of a session records its activity time
    texts = [files["karim"].file_number, "BE123456", "0661234567", "Idrissi", "فاطمة"]
    few = [queries(client, text) for text in texts]
    for _index in range(30):
        BeneficiaryFactory(centre=centre, by=users["coordinator"])
    assert [queries(client, text) for text in texts] == few
    # Opening a file by its number or CIN takes one query besides the session's.
    assert few[0] == few[1] <= 4


SPELLINGS = ["0{o}{d}", "+212{o}{d}", "00212{o}{d}", "0{o} {d2}", "+212 {o}{d2}", "0{o}.{d3}"]


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    digits=st.text(alphabet="0123456789", min_size=8, max_size=8),
    operator=st.sampled_from(["5", "6", "7"]),
)
def test_every_usual_spelling_of_a_number_reads_as_one_e164(digits, operator):
    """Spaced, dotted, with the country code or its 00: one number, read the same (or, for a
    range no operator was given, refused the same)."""
    spaced = " ".join(digits[i : i + 2] for i in range(0, 8, 2))
    dotted = ".".join(digits[i : i + 2] for i in range(0, 8, 2))
    read = {
        typed_phone(spelling.format(o=operator, d=digits, d2=spaced, d3=dotted))
        for spelling in SPELLINGS
    }
    assert len(read) == 1
    assert read <= {"", f"+212{operator}{digits}"}


@settings(deadline=None)
@given(text=st.text(max_size=30))
def test_anything_else_is_no_phone_or_a_valid_one(text):
    phone = typed_phone(text)
    assert phone == "" or (phone.startswith("+212") and len(phone) == 13)
