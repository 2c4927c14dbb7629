"""One person, one file: opening a file first looks for the person's existing files."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.utils import translation

from beneficiaries.models import Beneficiary, ProgrammeTrack
from beneficiaries.tests.factories import BeneficiaryFactory
from reintegration.models import AuditEntry, Province, User


@pytest.fixture(autouse=True)
def _english():
    """Messages are lazy: read after a test's own ``override`` ends, they would follow the
    default language (Arabic)."""
    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(client, users):
    User.objects.filter(pk=users["coordinator"].pk).update(language="en")
    client.force_login(users["coordinator"])
    return users["coordinator"]


def typed(**overrides):
    """A new file as a coordinator types it."""
    return {
        "first_name_ar": "محمد",
        "last_name_ar": "الإدريسي",
        "first_name_latin": "Mohammed",
        "last_name_latin": "El Idrissi",
        "sex": "M",
        "date_of_birth": "1990-05-17",
        "cin": "",
        "phone": "0661234567",
        "residence_province": Province.objects.get(code="01.511").pk,
        "commune": "بني مكادة",
        "track": ProgrammeTrack.objects.get(code="standard").pk,
        "notes": "orienté par l'association Al Amal",
        **overrides,
    }


def existing(centre, by, **overrides):
    """A stored file that shares nothing with ``typed()`` unless told."""
    values = {
        "first_name_ar": "خديجة",
        "last_name_ar": "التازي",
        "first_name_latin": "Khadija",
        "last_name_latin": "Tazi",
        "date_of_birth": datetime.date(1975, 1, 1),
        "phone": "+212522000000",
        **overrides,
    }
    return BeneficiaryFactory(centre=centre, by=by, **values)


def post(client, data):
    return client.post("/beneficiaries/new/", data)


def test_saving_the_same_form_twice_warns_instead_of_opening_a_second_file(client, coordinator):
    first = post(client, typed())
    assert first.status_code == 302
    person = Beneficiary.objects.get()

    # Back in the browser, then Save again.
    again = post(client, typed())

    assert again.status_code == 200
    assert Beneficiary.objects.count() == 1
    page = again.content.decode()
    assert "This person may already have a file" in page
    assert f'href="/beneficiaries/{person.pk}/"' in page
    (candidate,) = again.context["duplicates"].candidates
    assert candidate.beneficiary == person
    assert candidate.reason_labels == ["same phone", "same name and date of birth"]
    # Everything typed is still in the form.
    assert again.context["form"].data["notes"] == "orienté par l'association Al Amal"
    assert 'value="Mohammed"' in page and "orienté par l&#x27;association Al Amal" in page
    assert "These are different people: create the file" in page


@pytest.mark.parametrize(
    ("stored", "new", "reasons"),
    [
        ({"cin": "AB123456"}, {"cin": "ab 123 456"}, ["same CIN"]),
        ({"phone": "+212661234567"}, {}, ["same phone"]),
        # Folded: case, accents, hyphens and spaces do not count.
        (
            {
                "first_name_latin": "MOHAMMED",
                "last_name_latin": "El-Idrissi",
                "date_of_birth": datetime.date(1990, 5, 17),
            },
            {"phone": ""},
            ["same name and date of birth"],
        ),
        # Written in Arabic the same way, whatever the Latin spelling.
        (
            {
                "first_name_ar": "محمد",
                "last_name_ar": "الادريسى",
                "first_name_latin": "Mhamed",
                "last_name_latin": "Drissi",
                "date_of_birth": datetime.date(1990, 5, 17),
            },
            {"phone": ""},
            ["same name and date of birth"],
        ),
        (
            {
                "first_name_latin": "Mohamed",
                "last_name_latin": "Idrissi",
                "date_of_birth": datetime.date(1990, 5, 17),
            },
            {"phone": ""},
            ["similar name and same date of birth"],
        ),
        # First and last names swapped, another day of the same year.
        (
            {
                "first_name_latin": "Idrissi",
                "last_name_latin": "Muhammad",
                "date_of_birth": datetime.date(1990, 11, 2),
            },
            {"phone": ""},
            ["similar name, born the same year"],
        ),
    ],
)
def test_each_rule_finds_the_file_and_says_why(client, coordinator, centre, stored, new, reasons):
    file = existing(centre, coordinator, **stored)
    response = post(client, typed(**new))
    assert Beneficiary.objects.count() == 1
    (candidate,) = response.context["duplicates"].candidates
    assert (candidate.beneficiary, candidate.reason_labels) == (file, reasons)
    assert f'href="/beneficiaries/{file.pk}/"' in response.content.decode()


ABD_EL_KADER = {
    "first_name_latin": "Abd El Kader",
    "last_name_latin": "Benali",
    "first_name_ar": "عبد القادر",
    "last_name_ar": "بن علي",
    "date_of_birth": datetime.date(1990, 3, 4),
}


@pytest.mark.parametrize(
    ("new", "reasons"),
    [
        # Latin script only: the Arabic names typed are another person's.
        (
            {"first_name_latin": "Abdelkader", "first_name_ar": "محمد", "last_name_ar": "بناني"},
            ["same name and date of birth"],
        ),
        # Arabic script only: the Latin names typed are another spelling altogether.
        (
            {
                "first_name_latin": "Abdulqadir",
                "last_name_latin": "Ben-Aly",
                "first_name_ar": "عبدالقادر",
            },
            ["same name and date of birth"],
        ),
        (
            {"first_name_latin": "Abdel Kader", "first_name_ar": "عبدالقادر"},
            ["same name and date of birth"],
        ),
    ],
)
def test_a_compound_name_joined_or_spaced_finds_the_file(client, coordinator, centre, new, reasons):
    file = existing(centre, coordinator, **ABD_EL_KADER)
    response = post(
        client,
        typed(
            **{
                "last_name_latin": "Benali",
                "last_name_ar": "بنعلي",
                "date_of_birth": "1990-03-04",
                "phone": "",
                **new,
            }
        ),
    )
    assert response.status_code == 200
    assert Beneficiary.objects.count() == 1
    assert "This person may already have a file" in response.content.decode()
    (candidate,) = response.context["duplicates"].candidates
    assert (candidate.beneficiary, candidate.reason_labels) == (file, reasons)


@pytest.mark.parametrize(
    ("stored", "new", "reason"),
    [
        # In one script; the other script's names typed are another person's. Spaces aside,
        # the same name; otherwise a similar one.
        (
            {"first_name_latin": "Abdessamad"},
            {"first_name_latin": "Abdelsamad"},
            "similar name and same date of birth",
        ),
        (
            {"first_name_latin": "Abd Errahim"},
            {"first_name_latin": "Abderrahim"},
            "same name and date of birth",
        ),
        (
            {"first_name_latin": "Nour Eddine"},
            {"first_name_latin": "Noureddine"},
            "same name and date of birth",
        ),
        (
            {"first_name_latin": "Abd El Aziz"},
            {"first_name_latin": "Abdelaziz"},
            "same name and date of birth",
        ),
        (
            {"first_name_latin": "Fatima Ezzahra"},
            {"first_name_latin": "Fatimazahra"},
            "similar name and same date of birth",
        ),
        (
            {"first_name_ar": "نور الدين"},
            {"first_name_ar": "نورالدين"},
            "same name and date of birth",
        ),
        (
            {"first_name_ar": "عبد الله"},
            {"first_name_ar": "عبدالله"},
            "same name and date of birth",
        ),
        (
            {"first_name_ar": "عبد القادر"},
            {"first_name_ar": "عبدالقادر"},
            "same name and date of birth",
        ),
    ],
)
def test_every_spelling_of_a_compound_name_is_a_candidate(centre, users, stored, new, reason):
    from beneficiaries import duplicates

    base = {**ABD_EL_KADER, "first_name_latin": "Kamal", "first_name_ar": "كمال"}
    file = existing(centre, users["coordinator"], **{**base, **stored})
    other_script = (
        {"first_name_ar": "محمد", "last_name_ar": "بناني"}
        if "first_name_latin" in new
        else {"first_name_latin": "Mohamed", "last_name_latin": "Bennani"}
    )
    found = duplicates.find_one({**base, **other_script, **new}, user=users["coordinator"])
    assert [(c.beneficiary, c.reason_labels) for c in found.candidates] == [(file, [reason])]


def test_a_different_compound_name_is_someone_else(client, coordinator, centre):
    existing(centre, coordinator, **ABD_EL_KADER)
    response = post(
        client,
        typed(
            first_name_latin="Abdelkrim",
            last_name_latin="Benali",
            first_name_ar="عبد الكريم",
            last_name_ar="بن علي",
            date_of_birth="1990-03-04",
            phone="",
        ),
    )
    assert response.status_code == 302
    assert Beneficiary.objects.count() == 2


def test_a_similar_name_born_another_year_is_someone_else(client, coordinator, centre):
    existing(
        centre,
        coordinator,
        first_name_latin="Mohamed",
        last_name_latin="Idrissi",
        date_of_birth=datetime.date(1991, 5, 17),
    )
    response = post(client, typed())
    assert response.status_code == 302
    assert Beneficiary.objects.count() == 2


def test_declaring_different_people_opens_the_file_and_records_the_choice(
    client, coordinator, centre
):
    file = existing(centre, coordinator, phone="+212661234567")
    token = post(client, typed()).context["duplicates"].token

    response = post(client, {**typed(), "different_person": token})

    assert response.status_code == 302
    created = Beneficiary.objects.exclude(pk=file.pk).get()
    entry = AuditEntry.objects.get(action="beneficiary.created_despite_duplicates")
    assert (entry.actor, entry.target_id, entry.target_label) == (
        coordinator,
        str(created.pk),
        created.file_number,
    )
    assert entry.changes == {"candidates": [file.file_number]}


def test_the_declaration_covers_only_the_files_that_were_shown(client, coordinator, centre):
    existing(centre, coordinator, phone="+212661234567")
    token = post(client, typed()).context["duplicates"].token
    # Meanwhile the coordinator changed the phone to one of another file.
    other = existing(centre, coordinator, phone="+212662000000", first_name_latin="Amal")

    response = post(client, {**typed(phone="0662000000"), "different_person": token})

    assert response.status_code == 200
    assert [c.beneficiary for c in response.context["duplicates"].candidates] == [other]
    assert not AuditEntry.objects.filter(action="beneficiary.created_despite_duplicates")


def test_a_known_cin_cannot_be_opened_again_even_when_declared_different(
    client, coordinator, centre
):
    existing(centre, coordinator, cin="AB123456")
    token = post(client, typed(cin="AB123456")).context["duplicates"].token
    response = post(client, {**typed(cin="AB123456"), "different_person": token})
    assert response.status_code == 200
    assert Beneficiary.objects.count() == 1
    page = response.content.decode()
    assert "A CIN belongs to one file only" in page
    assert "These are different people: create the file" not in page


@pytest.mark.parametrize(
    ("stored", "new", "message"),
    [
        (
            {"cin": "AB123456"},
            {"cin": "AB123456"},
            "A file with this CIN exists in another centre: contact headquarters.",
        ),
        (
            {"phone": "+212661234567"},
            {},
            "A file with this phone number exists in another centre: contact headquarters.",
        ),
        (
            {
                "first_name_latin": "Mohammed",
                "last_name_latin": "El Idrissi",
                "first_name_ar": "محمد",
                "last_name_ar": "الإدريسي",
                "date_of_birth": datetime.date(1990, 5, 17),
            },
            {"phone": ""},
            "A file with the same name and date of birth exists in another centre: contact "
            "headquarters.",
        ),
        (
            {
                "first_name_latin": "Muhammad",
                "last_name_latin": "Idrissi",
                "date_of_birth": datetime.date(1990, 1, 9),
            },
            {"phone": ""},
            "A file with a similar name and the same year of birth exists in another centre: "
            "contact headquarters.",
        ),
    ],
)
def test_a_file_of_another_centre_is_announced_without_anything_personal(
    client, coordinator, elsewhere, stored, new, message
):
    other = existing(elsewhere["centre"], elsewhere["coordinator"], **stored)

    response = post(client, typed(**new))

    assert Beneficiary.objects.count() == 1
    duplicates = response.context["duplicates"]
    assert duplicates.candidates == []
    assert duplicates.elsewhere_messages == [message]
    page = response.content.decode()
    assert message in page
    for personal in (other.file_number, "CAS-", f"/beneficiaries/{other.pk}/", other.phone):
        assert personal not in page
    if "first_name_latin" not in stored:
        assert other.first_name_latin not in page and other.last_name_ar not in page


def test_headquarters_sees_the_files_of_every_centre(client, users, elsewhere):
    User.objects.filter(pk=users["national"].pk).update(language="en")
    client.force_login(users["national"])
    other = existing(elsewhere["centre"], elsewhere["coordinator"], phone="+212661234567")
    response = post(client, {**typed(), "centre": elsewhere["centre"].pk})
    (candidate,) = response.context["duplicates"].candidates
    assert candidate.beneficiary == other


def test_an_archived_file_is_a_candidate_an_anonymised_one_is_not(client, coordinator, centre):
    from beneficiaries import services

    archived = existing(centre, coordinator, phone="+212661234567")
    services.beneficiary_archive(beneficiary=archived, by=coordinator, reason="déménagé")
    anonymised = existing(centre, coordinator, first_name_latin="Mohammed")
    Beneficiary.objects.filter(pk=anonymised.pk).update(
        anonymised_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
        name_key="muhamadidrisi",
        date_of_birth=datetime.date(1990, 1, 1),
    )
    response = post(client, typed())
    assert [c.beneficiary for c in response.context["duplicates"].candidates] == [archived]
    assert "archived" in response.content.decode()


def test_editing_keeps_the_name_keys_up_to_date(centre, users):
    from beneficiaries import services

    person = existing(centre, users["coordinator"])
    assert (person.name_key, person.name_key_ar) == ("khadijatazi", "خديجهتازي")
    services.beneficiary_update(
        beneficiary=person,
        by=users["coordinator"],
        version=person.version,
        data={"last_name_latin": "Ettazi", "last_name_ar": "تازي"},
    )
    person.refresh_from_db()
    assert (person.name_key, person.name_key_ar) == ("khadijatazi", "خديجهتازي")
    services.beneficiary_update(
        beneficiary=person,
        by=users["coordinator"],
        version=person.version,
        data={"first_name_latin": "Khadidja"},
    )
    person.refresh_from_db()
    assert person.name_key == "khadijatazi"


def test_the_migration_fills_the_keys_and_search_words_of_stored_files(centre, users):
    person = existing(centre, users["coordinator"], first_name_latin="Fatima-Zahra")
    Beneficiary.objects.filter(pk=person.pk).update(
        name_key="", name_key_ar="", search_text="fatima-zahra tazi"
    )
    migration = importlib.import_module("beneficiaries.migrations.0010_name_keys")

    migration.fill_name_keys(apps, None)

    person.refresh_from_db()
    assert (person.name_key, person.name_key_ar) == ("fatimazahratazi", "خديجهتازي")
    assert person.search_text.startswith("fatima-zahra tazi ")
    assert "fatimazahra" in person.search_text.split()


def test_the_compound_migration_recomputes_the_keys_and_search_words(client, coordinator, centre):
    from beneficiaries.services import _search_text

    person = existing(
        centre,
        coordinator,
        first_name_latin="Abdelkader",
        last_name_latin="Benali",
        first_name_ar="عبد القادر",
        last_name_ar="بن علي",
        date_of_birth=datetime.date(1990, 3, 4),
    )
    anonymised = existing(centre, coordinator)
    # As the keys were before compound names were joined.
    Beneficiary.objects.filter(pk=person.pk).update(
        name_key="abdalkadarbanali", name_key_ar="عبدقادربنعلي", search_text="abdelkader benali"
    )
    Beneficiary.objects.filter(pk=anonymised.pk).update(
        anonymised_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
        name_key="",
        name_key_ar="",
        search_text="car-2020-0002",
    )
    migration = importlib.import_module("beneficiaries.migrations.0011_compound_name_keys")

    migration.refill_name_keys(apps, None)

    person.refresh_from_db()
    assert (person.name_key, person.name_key_ar) == ("abdkadarbanali", "عبدالقادربنعلي")
    assert person.search_text == _search_text(person)
    assert "abdkadar" in person.search_text.split()
    assert Beneficiary.objects.filter(
        pk=anonymised.pk, name_key="", name_key_ar="", search_text="car-2020-0002"
    ).exists()
    # The file is found again by the other spellings.
    response = post(
        client,
        typed(
            first_name_latin="Abd El Kader",
            last_name_latin="Benali",
            first_name_ar="عبدالقادر",
            last_name_ar="بنعلي",
            date_of_birth="1990-03-04",
            phone="",
        ),
    )
    assert [c.beneficiary for c in response.context["duplicates"].candidates] == [person]


@pytest.mark.parametrize("similar", [2, 25])
def test_the_warning_costs_the_same_queries_whatever_the_number_of_candidates(
    client, coordinator, centre, similar, django_assert_max_num_queries
):
    for index in range(similar):
        existing(
            centre,
            coordinator,
            first_name_latin="Muhammad",
            last_name_latin="Idrissi",
            date_of_birth=datetime.date(1990, 1, 1 + index % 28),
        )
    data = typed(phone="")
    # session, user, centre; province and track read, then checked by the model; the
    # constraints (a savepoint, a query, its release); in a transaction rolled back, the
    # centre locked, the candidates, those in scope; provinces and tracks rendered again; the
    # top bar's unread notifications
    with django_assert_max_num_queries(19):
        response = post(client, data)
    assert len(response.context["duplicates"].candidates) == min(similar, 20)


def test_opening_a_file_stays_within_its_query_budget(
    client, coordinator, django_assert_max_num_queries
):
    data = typed()
    # As above but nothing to render, then in one transaction the centre locked, the
    # candidates, and in a savepoint the counter (read, increment, read back), the file and its
    # audit entry.
    with django_assert_max_num_queries(24):
        assert post(client, data).status_code == 302
