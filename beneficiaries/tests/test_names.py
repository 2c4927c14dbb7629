"""Name keys fold the spellings of one name together, and search finds every spelling."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beneficiaries.names import name_key
from beneficiaries.tests.factories import BeneficiaryFactory
from reintegration.models import User

LATIN = "abcdefghijklmnopqrstuvwxyzéèêëàâäîïôöûùüç"
ARABIC = "ابتثجحخدذرسشصضطظعغفقكلمنهويءأإآؤئةى"
letters = st.text(alphabet=LATIN + LATIN.upper() + ARABIC, min_size=1, max_size=12)
names = st.lists(letters, min_size=1, max_size=4)
separators = st.sampled_from([" ", "-", "  ", " - ", "\u2011"])

VARIANTS = [
    ["Mohamed", "Mohammed", "Mohamad", "Mohammad", "Muhammad", "MOHAMED", "Mouhamed"],
    ["Fatima-Zahra", "Fatima Zahra", "Fatimazahra", "Fatimazzahra", "Fatima Ezzahra"],
    ["El Idrissi", "Idrissi", "El-Idrissi", "Elidrissi", "Al Idrissi", "EL IDRISSI"],
    ["Ben Ali", "Benali", "Ben-Ali"],
    ["Bel Hadj", "Belhadj"],
    ["Ait Taleb", "Aït-Taleb", "Aittaleb", "Ayt Taleb"],
    ["Oussama", "Ousama", "Usama", "Osama"],
    ["Youssef", "Yousef", "Youssef "],
    ["Hassane", "Hassan"],
    ["Chaimae", "Chaimaa", "Chayma", "Shaimaa"],
    ["Bennani", "Ben Nani"],
    ["Es Saadi", "Essaadi", "Saadi", "Saâdi"],
    ["الإدريسي", "إدريسي", "ادريسي", "ال إدريسي"],
    ["فاطمة الزهراء", "فاطمه الزهراء", "فاطمة-الزهراء", "فاطمة ألزهراء"],
]
DIFFERENT = [("Amal", "Amina"), ("Hassan", "Hassna"), ("Ali", "Alaoui"), ("Ben Ali", "Ali")]


@pytest.mark.parametrize("group", VARIANTS, ids=lambda group: group[0])
def test_the_spellings_of_one_name_have_one_key(group):
    assert len({name_key(spelling) for spelling in group}) == 1


@pytest.mark.parametrize(("one", "other"), DIFFERENT)
def test_different_names_keep_different_keys(one, other):
    assert name_key(one) != name_key(other)


def test_a_name_split_differently_between_first_and_last_name_has_the_same_key():
    assert name_key("Fatima Zahra", "El Idrissi") == name_key("Fatima", "Zahra Idrissi")
    assert name_key("Mohammed", "El Idrissi") == name_key("Mohamed Idrissi") == "muhamadidrisi"


@given(names)
def test_a_key_is_its_own_key(words):
    key = name_key(" ".join(words))
    assert name_key(key) == key


@given(names, separators)
def test_case_accents_and_separators_do_not_change_the_key(words, separator):
    spaced = " ".join(words)
    assert name_key(spaced.upper()) == name_key(spaced)
    assert name_key(separator.join(words)) == name_key(spaced)
    assert name_key(f"  {spaced}  ") == name_key(spaced)
    unaccented = "".join(
        c for c in unicodedata.normalize("NFKD", spaced) if unicodedata.category(c) != "Mn"
    )
    assert name_key(unaccented) == name_key(spaced)


@given(names)
def test_a_key_is_made_of_letters_and_never_longer_than_the_name(words):
    name = " ".join(words)
    key = name_key(name)
    assert " " not in key and "-" not in key
    assert len(key) <= len(name)


@given(st.sampled_from(VARIANTS), st.data())
def test_any_two_spellings_of_a_group_match_in_any_case(group, data):
    one, other = data.draw(st.sampled_from(group)), data.draw(st.sampled_from(group))
    assert name_key(one.lower()) == name_key(other.upper())


# Search, through the list page.


@pytest.fixture
def files(db, users, centre):
    User.objects.filter(pk=users["coordinator"].pk).update(language="en")
    make = lambda first, last, first_ar, last_ar: BeneficiaryFactory(  # noqa: E731
        centre=centre,
        by=users["coordinator"],
        first_name_latin=first,
        last_name_latin=last,
        first_name_ar=first_ar,
        last_name_ar=last_ar,
    )
    return {
        "mohamed": make("Mohamed", "Idrissi", "محمد", "إدريسي"),
        "fatima": make("Fatima-Zahra", "Alaoui", "فاطمة الزهراء", "العلوي"),
        "amal": make("Amal", "Bennani", "أمل", "بناني"),
    }


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("Mohammed El Idrissi", ["mohamed"]),
        ("muhammad idrissi", ["mohamed"]),
        ("el idrissi", ["mohamed"]),
        ("الإدريسي", ["mohamed"]),
        ("fatimazahra", ["fatima"]),
        ("Fatima Zahra", ["fatima"]),
        ("fatima-zahra el alaoui", ["fatima"]),
        ("فاطمه الزهراء", ["fatima"]),
        ("Ben Nani", ["amal"]),
        ("Bennani", ["amal"]),
        ("moh", ["mohamed"]),
        ("Mohamed Bennani", []),
    ],
)
def test_search_finds_the_other_spellings_of_a_name(client, users, files, query, found):
    client.force_login(users["coordinator"])
    response = client.get("/beneficiaries/", {"q": query})
    shown = {b.pk for b in response.context["page"].object_list}
    assert shown == {files[name].pk for name in found}
