"""Province lists: sorted by the name in the language shown (accents and hamza folded), the
user's own provinces first, in every form that asks for one."""

import html
import re

import pytest
from django.utils import translation

from reintegration.models import Province, User
from reintegration.territories import name_order, province_choices
from reintegration.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def names(choices):
    return [name for _pk, name in choices]


def test_french_names_sort_with_their_accents_folded():
    with translation.override("fr"):
        listed = names(province_choices(UserFactory(national=True)))
    assert listed == sorted(listed, key=name_order)
    # "Tétouan" among the "Te…", not after "Tiznit" as a plain sort would put it.
    assert listed.index("Taza") < listed.index("Tétouan") < listed.index("Tiznit")
    assert len(listed) == Province.objects.count()


def test_arabic_names_sort_in_arabic():
    with translation.override("ar"):
        listed = names(province_choices(UserFactory(national=True)))
    assert listed == sorted(listed, key=name_order)
    assert listed[0].startswith(("أ", "إ", "آ", "ا"))
    assert "Tétouan" not in listed and "تطوان" in listed


def test_a_coordinator_finds_the_centre_province_first(users):
    with translation.override("fr"):
        listed = names(province_choices(users["coordinator"]))
    assert listed[0] == "Tanger-Assilah"
    assert listed[1:] == sorted(listed[1:], key=name_order)


def test_regional_staff_find_their_region_provinces_first(users):
    region = users["regional"].region
    own = Province.objects.filter(region=region).count()
    with translation.override("ar"):
        choices = province_choices(users["regional"])
    first = {pk for pk, _name in choices[:own]}
    assert first == set(Province.objects.filter(region=region).values_list("pk", flat=True))
    assert names(choices[:own]) == sorted(names(choices[:own]), key=name_order)


def option_names(page: str, field: str) -> list[str]:
    select = re.search(rf'<select name="{field}".*?</select>', page, re.S).group(0)
    options = re.findall(r'<option value="(\d*)"[^>]*>([^<]*)<', select)
    return [html.unescape(name) for value, name in options if value]


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_the_file_form_and_the_search_list_the_provinces_in_that_order(
    client, users, centre, language
):
    User.objects.filter(pk=users["coordinator"].pk).update(language=language)
    client.force_login(users["coordinator"])
    with translation.override(language):
        expected = names(province_choices(users["coordinator"]))
    form = client.get(f"/beneficiaries/new/?centre={centre.pk}").content.decode()
    assert option_names(form, "residence_province") == expected
    search = client.get("/beneficiaries/").content.decode()
    assert option_names(search, "province") == expected
