"""``ListSelect`` writes the markup Django's ``Select`` renders through its templates, to the
character: flat and grouped choices, the chosen one, escaping, attributes in their order."""

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.safestring import mark_safe

from reintegration.forms import ListSelect
from reintegration.models import Province

CHOICES = [
    ("", "All <&>"),
    ('Group "a"', [("r-1", "Région 1"), ("r-2", "x'y")]),
    (3, mark_safe("<b>3</b>")),  # a label already safe stays as it is
    (None, "none"),
]


@pytest.mark.parametrize("value", [None, "", "r-2", "3", 3, ["r-1"], "unknown"])
@pytest.mark.parametrize(
    "attrs", [None, {"id": "id_t", "required": True, "disabled": False, "class": 'a"b'}]
)
def test_the_markup_is_djangos(value, attrs):
    django_select = forms.Select(choices=CHOICES, attrs={"data-x": 1})
    ours = ListSelect(choices=CHOICES, attrs={"data-x": 1})
    assert ours.render("t", value, attrs) == django_select.render("t", value, attrs)


@pytest.mark.django_db
def test_a_model_choice_field_renders_the_same_without_counting_its_rows():
    chosen = Province.objects.order_by("pk").last()

    class Form(forms.Form):
        province = forms.ModelChoiceField(Province.objects.all(), required=False)

    class Ours(Form):
        province = forms.ModelChoiceField(Province.objects.all(), required=False, widget=ListSelect)

    expected = str(Form({"province": chosen.pk})["province"])
    with CaptureQueriesContext(connection) as queries:
        found = str(Ours({"province": chosen.pk})["province"])
    assert not [query for query in queries if "COUNT(" in query["sql"]]
    assert found == expected
    assert f'<option value="{chosen.pk}" selected>' in found
    assert found.count("<option") == Province.objects.count() + 1
