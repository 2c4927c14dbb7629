"""Name keys fold the spellings of one name together, and search finds every spelling."""

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beneficiaries.models import Beneficiary
from beneficiaries.names import name_key
from beneficiaries.tests.factories import BeneficiaryFactory
from reintegration.models import User
from reintegration.tests.worlds import built_once, make_centre, make_users

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
    # Compound names, joined or spaced, with the article written or assimilated.
    ["Abd El Kader", "Abdelkader", "Abdel Kader", "Abd-El-Kader", "Abdalkader", "Abd Al Kader"],
    ["عبد القادر", "عبدالقادر", "عبد-القادر"],
    ["عبد الله", "عبدالله"],
    ["نور الدين", "نورالدين", "نور-الدين"],
    ["Nour Eddine", "Noureddine", "Nour-Eddine", "Nour Ed-Dine", "Nour El Din", "Nourdine"],
    ["Abd Errahim", "Abderrahim", "Abdelrahim", "Abd Er Rahim", "Abderahim"],
    ["Abdessamad", "Abdelsamad", "Abd Essamad", "Abdes Samad", "Abdesamad"],
    ["Abd El Aziz", "Abdelaziz", "Abdel Aziz", "Abdalaziz"],
    ["Fatima Ezzahra", "Fatimazahra"],
    ["Abdellah", "Abd Allah", "Abdallah", "Abdelah"],
    ["Abdellatif", "Abdelatif", "Abd El Latif"],
    ["Salah Eddine", "Salaheddine", "Salahdine"],
    ["Zine Eddine", "Zinedine", "Zineddine"],
]
DIFFERENT = [
    ("Amal", "Amina"),
    ("Hassan", "Hassna"),
    ("Ali", "Alaoui"),
    ("Ben Ali", "Ali"),
    ("Abdelkader", "Abdelkrim"),
    ("Abd El Kader", "Abdelkrim"),
    ("عبد القادر", "عبد الكريم"),
    ("Nour", "Noureddine"),
    ("Nour", "Nour Eddine"),
    ("نور", "نور الدين"),
    ("Abdellah", "Abdelilah"),
    ("Abdelaziz", "Abdelali"),
    ("Abderrahim", "Abderrahmane"),
    ("Salah Eddine", "Nour Eddine"),
]


@pytest.mark.parametrize("group", VARIANTS, ids=lambda group: group[0])
def test_the_spellings_of_one_name_have_one_key(group):
    assert len({name_key(spelling) for spelling in group}) == 1


@pytest.mark.parametrize(("one", "other"), DIFFERENT)
def test_different_names_keep_different_keys(one, other):
    assert name_key(one) != name_key(other)


def test_a_name_split_differently_between_first_and_last_name_has_the_same_key():
    assert name_key("Fatima Zahra", "El Idrissi") == name_key("Fatima", "Zahra Idrissi")
    assert name_key("Mohammed", "El Idrissi") == name_key("Mohamed Idrissi") == "muhamadidrisi"


def test_compound_names_lose_their_article_only_before_a_consonant():
    assert name_key("Abd El Kader Benali") == name_key("Abdelkader", "Benali") == "abdkadarbanali"
    assert name_key("Abdessamad") == name_key("Abdelsamad") == "abdsamad"
    assert name_key("Abd El Aziz") == "abdalaziz"
    assert name_key("Nour Eddine") == name_key("Nour El Din") == "nurdin"
    assert name_key("عبد القادر", "بن علي") == "عبدالقادربنعلي"
    assert name_key("نور الدين") == "نورالدين"


@given(names)
def test_a_key_is_its_own_key(words):
    key = name_key(" ".join(words))
    assert name_key(key) == key


# A compound name as the pieces between which people write a space or not.
latin_part = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
arabic_part = st.text(alphabet=ARABIC, min_size=1, max_size=8)
compounds = st.one_of(
    st.tuples(
        st.just("abd"), st.sampled_from(["el", "al", "er", "es", "ez", "et", "en", "ech"])
    ).flatmap(lambda opener: latin_part.map(lambda rest: [*opener, rest])),
    # A stem that is an ending itself ("din") would join the word before it instead.
    latin_part.filter(lambda stem: not re.fullmatch(r"[ae]?d+[iy]ne?", stem)).flatmap(
        lambda stem: st.sampled_from(
            [["eddine"], ["ed", "dine"], ["dine"], ["edine"], ["ddine"], ["din"]]
        ).map(lambda ending: [stem, *ending])
    ),
    arabic_part.map(lambda rest: ["عبد", "ال", rest]),
    arabic_part.map(lambda rest: ["عبد", rest]),
    arabic_part.filter(lambda stem: stem != "الدين").map(lambda stem: [stem, "الدين"]),
)
around = st.lists(st.sampled_from(["Mohamed", "Benali", "Alaoui", "محمد", "بناني"]), max_size=2)


@given(around, compounds, around, st.data())
def test_a_space_in_a_compound_name_does_not_change_the_key(before, pieces, after, data):
    gaps = data.draw(
        st.lists(
            st.sampled_from(["", " ", "-"]), min_size=len(pieces) - 1, max_size=len(pieces) - 1
        )
    )
    spaced = pieces[0] + "".join(gap + piece for gap, piece in zip(gaps, pieces[1:], strict=True))
    joined = "".join(pieces)
    assert name_key(*before, spaced, *after) == name_key(*before, joined, *after)
    key = name_key(*before, spaced, *after)
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


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The files searched, built once for the module (see reintegration/tests/worlds.py): the
    searches only read them. Primary keys: the coordinator's, and each file's by name."""

    def build():
        centre = make_centre()
        coordinator = make_users(centre)["coordinator"]
        User.objects.filter(pk=coordinator.pk).update(language="en")
        make = lambda first, last, first_ar, last_ar: BeneficiaryFactory(  # noqa: E731
            centre=centre,
            by=coordinator,
            first_name_latin=first,
            last_name_latin=last,
            first_name_ar=first_ar,
            last_name_ar=last_ar,
        )
        files = {
            "mohamed": make("Mohamed", "Idrissi", "محمد", "إدريسي"),
            "fatima": make("Fatima-Zahra", "Alaoui", "فاطمة الزهراء", "العلوي"),
            "amal": make("Amal", "Bennani", "أمل", "بناني"),
            "abdelkader": make("Abd El Kader", "Benali", "عبد القادر", "بن علي"),
            "abdessamad": make("Abdessamad", "Tazi", "عبدالصمد", "التازي"),
            "noureddine": make("Noureddine", "Alami", "نورالدين", "العلمي"),
            "abdellah": make("Abd Allah", "Fassi", "عبد الله", "الفاسي"),
        }
        return coordinator.pk, {name: file.pk for name, file in files.items()}

    yield from built_once(django_db_blocker, tmp_path_factory, build)


@pytest.fixture
def coordinator(world, db):
    return User.objects.get(pk=world[0])


@pytest.fixture
def files(world, db):
    found = Beneficiary.objects.in_bulk(world[1].values())
    return {name: found[pk] for name, pk in world[1].items()}


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
        ("Abdelkader", ["abdelkader"]),
        ("abdel kader benali", ["abdelkader"]),
        ("Abd El Kader", ["abdelkader"]),
        # Still typing: the compound is not complete, every "Abd" is found.
        ("abd el", ["abdelkader", "abdessamad", "abdellah"]),
        ("عبدالقادر", ["abdelkader"]),
        ("عبد القادر بن علي", ["abdelkader"]),
        ("Abd Essamad", ["abdessamad"]),
        ("Abdelsamad Tazi", ["abdessamad"]),
        ("عبد الصمد", ["abdessamad"]),
        ("Nour Eddine", ["noureddine"]),
        ("Nour El Din Alami", ["noureddine"]),
        ("نور الدين", ["noureddine"]),
        ("Abdellah", ["abdellah"]),
        ("عبدالله", ["abdellah"]),
        ("Abdelkrim", []),
        ("Nour Alaoui", []),
    ],
)
def test_search_finds_the_other_spellings_of_a_name(client, coordinator, files, query, found):
    client.force_login(coordinator)
    response = client.get("/beneficiaries/", {"q": query})
    shown = {b.pk for b in response.context["page"].object_list}
    assert shown == {files[name].pk for name in found}
