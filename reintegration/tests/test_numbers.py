"""Amounts and whole numbers typed the way Moroccan staff type them (reintegration.numbers)."""

import contextlib
import importlib
import inspect
from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from reintegration.formatting import LRI, PDI, format_number, format_quantity
from reintegration.numbers import (
    AmountField,
    NumberInput,
    QuantityField,
    WholeNumberField,
    parse_amount,
    parse_whole,
)

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

amounts = st.decimals(
    min_value=Decimal("0"), max_value=Decimal("999999999999.99"), places=2, allow_nan=False
)


@pytest.fixture(autouse=True)
def _english():
    """Messages are lazy: read after a test's own ``override`` ends, they would follow the
    default language (Arabic)."""
    with translation.override("en"):
        yield


def grouped(value: Decimal, group: str, mark: str) -> str:
    """``value`` with thousands separated by ``group`` and ``mark`` before the centimes."""
    integer, _, fraction = f"{value:f}".partition(".")
    groups = []
    while len(integer) > 3:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    groups.insert(0, integer)
    return group.join(groups) + (mark + fraction if fraction else "")


STYLES = {
    "display": lambda v: format_number(v),
    "plain with a comma": lambda v: f"{v:f}".replace(".", ","),
    "plain with a point": lambda v: f"{v:f}",
    "spaced": lambda v: grouped(v, " ", ","),
    "no-break spaces": lambda v: grouped(v, "\u00a0", ","),
    "narrow no-break spaces": lambda v: grouped(v, "\u202f", ","),
    "English": lambda v: grouped(v, ",", "."),
    "Arabic-Indic": lambda v: f"{v:f}".replace(".", "٫").translate(ARABIC_INDIC),
    "Arabic-Indic grouped": lambda v: grouped(v, "٬", "٫").translate(ARABIC_INDIC),
    "Persian": lambda v: f"{v:f}".replace(".", "٫").translate(PERSIAN),
    "with DH": lambda v: f" {format_number(v)} DH ",
    "with درهم": lambda v: f"{grouped(v, ' ', ',')} درهم",
    "copied from an Arabic page": lambda v: f"{LRI}{format_number(v)}{PDI} درهم",
}


@pytest.mark.parametrize("style", STYLES)
@settings(deadline=None)
@given(value=amounts)
def test_every_amount_typed_in_an_accepted_style_reads_back_exactly(style, value):
    text = STYLES[style](value)
    parsed = parse_amount(text)
    assert parsed == value
    assert parsed.as_tuple().exponent == -2


@settings(deadline=None)
@given(value=amounts, places=st.sampled_from([1, 2]))
def test_amounts_with_fewer_decimals_read_back_exactly(value, places):
    value = value.quantize(Decimal(1).scaleb(-places), rounding="ROUND_DOWN")
    assert parse_amount(f"{value:f}".replace(".", ",")) == value


@settings(deadline=None)
@given(
    integer=st.integers(min_value=1, max_value=999),
    three=st.integers(min_value=0, max_value=999),
    mark=st.sampled_from([".", ","]),
)
def test_one_point_or_comma_before_three_digits_is_always_refused_as_ambiguous(
    integer, three, mark
):
    with pytest.raises(ValidationError) as refused:
        parse_amount(f"{integer}{mark}{three:03d}")
    assert refused.value.code == "ambiguous"


@settings(deadline=None)
@given(
    value=amounts,
    extra=st.integers(min_value=0, max_value=9),
    style=st.sampled_from(["display", "plain", "arabic"]),
)
def test_more_than_two_decimals_are_always_refused(value, extra, style):
    text = {
        "display": format_number(value) + str(extra),
        "plain": f"{value:f}".replace(".", ",") + str(extra),
        "arabic": (f"{value:f}".replace(".", "٫") + str(extra)).translate(ARABIC_INDIC),
    }[style]
    with pytest.raises(ValidationError) as refused:
        parse_amount(text)
    # 1,000 is refused before its decimals are counted: it might be a thousand.
    ambiguous = value < 1000 and style != "arabic" and value >= 1
    assert refused.value.code == ("ambiguous" if ambiguous else "decimals")


@settings(deadline=None)
@given(text=st.text(max_size=60))
def test_any_text_is_read_or_refused_with_a_validation_error_and_nothing_else(text):
    try:
        value = parse_amount(text)
    except ValidationError as error:
        assert error.messages and all(message.strip() for message in error.messages)
    else:
        assert isinstance(value, Decimal) and value.is_finite()


@settings(deadline=None)
@given(text=st.text(alphabet="0123456789٠١٢٣٤٥٦٧٨٩.,٫٬ -DH", max_size=20))
def test_text_made_of_number_characters_is_read_or_refused_with_a_validation_error(text):
    for parse in (parse_amount, parse_whole):
        with contextlib.suppress(ValidationError):
            parse(text)


@settings(deadline=None)
@given(number=st.integers(min_value=0, max_value=10**12))
def test_whole_numbers_read_back_in_western_and_arabic_indic_digits(number):
    assert parse_whole(str(number)) == number
    assert parse_whole(str(number).translate(ARABIC_INDIC)) == number
    assert parse_whole(grouped(Decimal(number), " ", ",")) == number


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("8500,50", "8500.50"),
        ("8500.50", "8500.50"),
        ("8 500,50", "8500.50"),
        ("8\u202f500,50", "8500.50"),
        ("8\u00a0500,50", "8500.50"),
        ("8.500,50", "8500.50"),
        ("8,500.50", "8500.50"),
        ("8 500", "8500.00"),
        ("8500", "8500.00"),
        ("٨٥٠٠", "8500.00"),
        ("٢", "2.00"),
        ("٨٥٠٠٫٥٠", "8500.50"),
        ("٨٬٥٠٠٫٥٠", "8500.50"),
        ("۸۵۰۰٫۵", "8500.50"),
        ("  8500,50  ", "8500.50"),
        ("8500,50 DH", "8500.50"),
        ("8500,50dh", "8500.50"),
        ("8 500 درهم", "8500.00"),
        ("1.500.000", "1500000.00"),
        ("1,500,000.5", "1500000.50"),
        ("0,5", "0.50"),
        ("-0", "0.00"),
        ("-1 200,5", "-1200.50"),
    ],
)
def test_it_reads_amounts_typed_the_moroccan_way(typed, value):
    assert parse_amount(typed) == Decimal(value)


AMOUNT_HOW = "Type the amount as 8500,50 or 8 500,50."


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("8.500", f"“8.500” could mean 8500 or 8,50. {AMOUNT_HOW}"),
        ("8,500", f"“8,500” could mean 8500 or 8,50. {AMOUNT_HOW}"),
        ("125.250", f"“125.250” could mean 125250 or 125,25. {AMOUNT_HOW}"),
        ("8.505", f"“8.505” could mean 8505 or 8,505. {AMOUNT_HOW}"),
        ("85.00.50", f"Thousands are grouped by three digits. {AMOUNT_HOW}"),
        ("8 50 000", f"Thousands are grouped by three digits. {AMOUNT_HOW}"),
        ("8 500.000,50", f"Thousands are grouped by three digits. {AMOUNT_HOW}"),
        ("8500,505", f"An amount has at most two decimals. {AMOUNT_HOW}"),
        ("8500,500", f"An amount has at most two decimals. {AMOUNT_HOW}"),
        ("0,500", f"An amount has at most two decimals. {AMOUNT_HOW}"),
        ("8٥00", "Type the amount in one kind of digits, as 8500,50 or ٨٥٠٠٫٥٠."),
        ("٨5٠٠", "Type the amount in one kind of digits, as 8500,50 or ٨٥٠٠٫٥٠."),
        ("abc", AMOUNT_HOW),
        ("8500 euros", AMOUNT_HOW),
        ("8500,", AMOUNT_HOW),
        (",50", AMOUNT_HOW),
        ("8  500", AMOUNT_HOW),
        ("1e5", AMOUNT_HOW),
        ("DH", AMOUNT_HOW),
        ("9" * 41, AMOUNT_HOW),
    ],
)
def test_it_refuses_what_it_cannot_read_exactly_and_says_how_to_type_it(typed, message):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        parse_amount(typed)
    assert refused.value.messages == [message]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2,5", "Type a whole number, without decimals, such as 3."),
        ("2,0", "Type a whole number, without decimals, such as 3."),
        ("1.500", "Type a whole number without a point or comma, such as 1500."),
        ("3 enfants", "Type a whole number, such as 3."),
        ("3٣", "Type the number in one kind of digits, such as 3 or ٣."),
        ("3 DH", "Type a whole number, such as 3."),
    ],
)
def test_it_refuses_whole_numbers_with_decimals_or_letters(typed, message):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        parse_whole(typed)
    assert refused.value.messages == [message]


@pytest.mark.parametrize(("typed", "value"), [("3", 3), ("٣", 3), ("۱۲", 12), (" 1 500 ", 1500)])
def test_it_reads_whole_numbers_in_any_digits(typed, value):
    assert parse_whole(typed) == value


def test_the_typed_number_stays_in_its_order_inside_an_arabic_message():
    with translation.override("ar"), pytest.raises(ValidationError) as refused:
        parse_amount("8.500")
    assert refused.value.params == {
        "value": f"{LRI}8.500{PDI}",
        "thousands": f"{LRI}8500{PDI}",
        "decimals": f"{LRI}8,50{PDI}",
    }


# --- Form fields -------------------------------------------------------------------------


class LineForm(forms.Form):
    price = AmountField(label="Unit price", min_value=Decimal("0.01"), max_value=Decimal(1000000))
    quantity = QuantityField(label="Quantity", min_value=Decimal("0.01"))
    income = AmountField(label="Income", required=False, min_value=0)
    children = WholeNumberField(label="Dependants", required=False, min_value=0, max_value=30)


def test_the_fields_are_text_inputs_that_never_become_number_inputs():
    html = str(LineForm()["price"])
    assert 'type="text"' in html and 'type="number"' not in html
    assert 'inputmode="decimal"' in html and 'dir="ltr"' in html and 'autocomplete="off"' in html
    assert 'inputmode="numeric"' in str(LineForm()["children"])


def test_a_refused_form_shows_back_exactly_what_was_typed():
    typed = {"price": "8.500", "quantity": "٢", "income": "12 000,5 DH", "children": "2,5"}
    form = LineForm(typed)
    assert not form.is_valid()
    for name, text in typed.items():
        assert f'value="{text}"' in str(form[name])


def test_the_form_reads_every_field_exactly():
    form = LineForm({"price": "8.500,50", "quantity": "٢", "income": "", "children": "٣"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        "price": Decimal("8500.50"),
        "quantity": Decimal("2.00"),
        "income": None,
        "children": 3,
    }


def test_initial_values_show_in_the_display_format_and_read_back_unchanged():
    initial = {
        "price": Decimal("8500.50"),
        "quantity": Decimal("2.00"),
        "income": Decimal("1500.00"),
        "children": 3,
    }
    form = LineForm(initial=initial)
    shown = {name: form[name].value() for name in initial}
    rendered = {name: form[name].field.widget.format_value(shown[name]) for name in initial}
    assert rendered == {"price": "8.500,50", "quantity": "2", "income": "1.500,00", "children": "3"}
    # A whole quantity of 1500 shows as 1500: "1.500" would be refused as ambiguous.
    assert NumberInput(whole_plain=True).format_value(Decimal("1500.00")) == "1500"
    again = LineForm(rendered)
    assert again.is_valid(), again.errors
    assert again.cleaned_data == initial


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"price": "0", "quantity": "1"}, {"price": ["Enter an amount greater than zero."]}),
        ({"price": "5", "quantity": "0"}, {"quantity": ["Enter a quantity greater than zero."]}),
        (
            {"price": "5", "quantity": "1", "income": "-5"},
            {"income": ["An amount cannot be negative."]},
        ),
        (
            {"price": "1 000 000,01", "quantity": "1"},
            {"price": ["Enter an amount of at most 1.000.000,00."]},
        ),
        (
            {"price": "5", "quantity": "1", "children": "31"},
            {"children": ["Enter a number of at most 30."]},
        ),
        (
            {"price": "", "quantity": "1.500"},
            {
                "price": ["This field is required."],
                "quantity": ["“1.500” could mean 1500 or 1,50. Type the quantity as 2 or 1,5."],
            },
        ),
    ],
)
def test_it_refuses_amounts_out_of_bounds_with_exact_messages(data, errors):
    with translation.override("en"):
        form = LineForm(data)
        assert form.errors == errors


def test_the_messages_are_in_the_users_language():
    with translation.override("fr"):
        form = LineForm({"price": "abc", "quantity": "1"})
        assert form.errors["price"] == [str(translation.gettext(AMOUNT_HOW))]


def test_the_money_field_constructor_signature_keeps_working():
    field = AmountField(
        required=False,
        label="Envelope",
        help_text="DH",
        initial=Decimal("12.50"),
        min_value=Decimal("0"),
        max_value=Decimal("100"),
    )
    assert field.clean("12,5") == Decimal("12.50")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        field.clean("100,01")
    assert refused.value.messages == ["Enter an amount of at most 100,00."]


def test_a_decimal_model_field_becomes_an_amount_field_with_its_column_limit():
    from projects.models import BudgetLine
    from reintegration.numbers import numbers_formfield

    field = numbers_formfield(BudgetLine._meta.get_field("quantity"))
    assert isinstance(field, AmountField)
    assert field.max_value == Decimal("999999.99")


# --- Every form of the application --------------------------------------------------------

FORM_MODULES = ["beneficiaries.forms", "projects.forms", "ceremonies.forms", "reintegration.forms"]


def _form_classes():
    for name in FORM_MODULES:
        module = importlib.import_module(name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == name:
                yield cls


def _typed_number_fields(form_fields):
    """Django's own number fields: ``type=number`` inputs that drop a decimal comma. A hidden
    field (a record's version, the id of the questionnaire a form was drawn from) is never
    typed by anyone, so it may use them."""
    return [
        name
        for name, field in form_fields.items()
        if isinstance(field, (forms.DecimalField, forms.IntegerField, forms.FloatField))
        and not field.widget.is_hidden
    ]


def test_no_form_of_the_application_uses_djangos_number_fields():
    offending = {
        cls.__name__: _typed_number_fields(cls.base_fields)
        for cls in _form_classes()
        if _typed_number_fields(cls.base_fields)
    }
    assert offending == {}


@pytest.mark.django_db
def test_the_approval_split_amounts_are_amount_fields(person, users, convention):
    from projects.forms import ApproveForm
    from projects.tests.factories import make_project

    project = make_project(person, users["coordinator"])
    form = ApproveForm(project=project)
    assert isinstance(form.fields["amount_1"], AmountField)
    assert form["amount_1"].value() == project.requested_total
    assert _typed_number_fields(form.fields) == []


@pytest.mark.django_db
def test_no_admin_form_uses_djangos_number_fields(users):
    from reintegration.admin import admin_site

    request = RequestFactory().get("/admin/")
    request.user = users["national"]
    offending = {}
    for model, model_admin in admin_site._registry.items():
        if not model_admin.has_change_permission(request):
            continue
        form_fields = dict(model_admin.get_form(request).base_fields)
        for inline in model_admin.get_inline_instances(request):
            form_fields.update(inline.get_formset(request).form.base_fields)
        if _typed_number_fields(form_fields):
            offending[model.__name__] = _typed_number_fields(form_fields)
    assert offending == {}


def test_whole_quantities_display_without_decimals():
    assert format_quantity(Decimal("2.00")) == "2"
    assert format_quantity(Decimal("1500.00")) == "1.500"
    assert format_quantity(Decimal("1.50")) == "1,50"
    from django.template import Context, Template

    template = Template("{% load formatting %}{{ q|quantity }}|{{ none|quantity }}")
    assert template.render(Context({"q": Decimal("2.00"), "none": None})) == "2|"


@pytest.mark.parametrize(
    ("form", "name", "kind"),
    [
        ("projects.forms.BudgetLineForm", "quantity", QuantityField),
        ("projects.forms.BudgetLineForm", "unit_price", AmountField),
        ("projects.forms.ProjectForm", "expected_monthly_income", AmountField),
        ("projects.forms.VisitForm", "monthly_income", AmountField),
        ("projects.forms.VisitForm", "jobs_created", WholeNumberField),
        ("ceremonies.forms.HandoverForm", "cheque_amount", AmountField),
        ("ceremonies.forms.HandoverItemForm", "quantity", QuantityField),
        ("ceremonies.forms.HandoverItemForm", "unit_value", AmountField),
        ("beneficiaries.forms.BeneficiaryForm", "dependants", WholeNumberField),
        ("beneficiaries.forms.DetentionRecordForm", "sentence_months", WholeNumberField),
    ],
)
def test_every_amount_quantity_and_count_of_the_forms_is_typed_the_moroccan_way(form, name, kind):
    module, _, cls = form.rpartition(".")
    field = getattr(importlib.import_module(module), cls).base_fields[name]
    assert type(field) is kind
    assert isinstance(field.widget, NumberInput)


def test_a_count_is_refused_above_what_its_column_holds():
    from beneficiaries.forms import DetentionRecordForm

    field = DetentionRecordForm.base_fields["sentence_months"]
    assert field.clean("٣٦") == 36
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        field.clean("40000")
    assert refused.value.messages == ["Enter a number of at most 32767."]


def test_a_number_input_given_by_django_or_the_admin_becomes_a_text_box_but_hidden_stays():
    from django.contrib.admin.widgets import AdminIntegerFieldWidget

    assert isinstance(WholeNumberField(widget=AdminIntegerFieldWidget).widget, NumberInput)
    assert isinstance(AmountField(widget=forms.NumberInput()).widget, NumberInput)
    assert isinstance(AmountField(widget=forms.HiddenInput).widget, forms.HiddenInput)
