"""Typed text is stored as it displays, and no export cell is ever a formula."""

import datetime
import io
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from dashboard.selectors import TABLE_KEYS
from reintegration.models import Role, User
from reintegration.spreadsheets import csv_cell, xlsx_append, xlsx_cell
from reintegration.tests.test_admin import add_user
from reintegration.text import clean_text, fold

# Written out here rather than imported, so that shrinking the cleaned set fails these tests.
BIDI = [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)]
FORBIDDEN = [*BIDI, "\u200e", "\u200f", "\u061c", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
# Examples build workbooks: on a busy machine one may take longer than Hypothesis's 200 ms.
relaxed = settings(deadline=None)

typed_text = st.text(
    alphabet=st.one_of(
        st.sampled_from([*FORBIDDEN, "\u0301", "\u0651", "e", "ا", " "]),
        st.characters(codec="utf-8"),
    )
)


@relaxed
@given(typed_text)
def test_cleaned_text_holds_no_invisible_character_and_cleaning_again_changes_nothing(text):
    cleaned = clean_text(text)
    assert not any(character in cleaned for character in FORBIDDEN)
    assert clean_text(cleaned) == cleaned
    assert unicodedata.is_normalized("NFC", cleaned)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("\u202eimalA", "imalA"),
        ("خديجة\u200f العلمي", "خديجة العلمي"),
        ("Fe\u0300s", "Fès"),  # decomposed accent composed
        ("Fe\u200b\u0300s", "Fès"),  # even with an invisible character between
        ("\ufeffKhadija\u2066\u2069", "Khadija"),
        ("عبد\u200cالله", "عبدالله"),
        ("نص\u061c", "نص"),
        ("ligne 1\r\nligne 2\tfin", "ligne 1\r\nligne 2\tfin"),
    ],
)
def test_it_strips_bidirectional_and_zero_width_characters_and_composes(typed, stored):
    assert clean_text(typed) == stored


@relaxed
@given(st.text())
def test_no_csv_cell_of_text_starts_like_a_formula(text):
    cell = csv_cell(text)
    assert isinstance(cell, str)
    assert not cell.startswith(DANGEROUS)
    # Only the quote is added: the text itself is intact.
    assert cell in (text, "'" + text)


@relaxed
@given(
    st.one_of(
        st.integers(),
        st.decimals(allow_nan=False, allow_infinity=False),
        st.dates(),
    )
)
def test_numbers_and_dates_stay_numbers_and_dates_in_csv_and_xlsx(value):
    assert csv_cell(value) is value
    sheet = Workbook().active
    assert xlsx_cell(sheet, value).data_type in ("n", "d")


@relaxed
@given(st.text())
def test_no_xlsx_cell_of_text_is_a_formula(text):
    cell = xlsx_cell(Workbook().active, text)
    assert cell.data_type == "s"
    # Only the control characters openpyxl refuses are dropped.
    assert cell.value == "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20)


def test_a_saved_workbook_holds_hostile_text_as_text_and_numbers_as_numbers():
    workbook = Workbook()
    hostile = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tX", "\rX"]
    xlsx_append(workbook.active, [*hostile, Decimal("-2.50"), -3, datetime.date(2026, 1, 31)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    cells = next(load_workbook(buffer).active.iter_rows())
    assert [c.data_type for c in cells] == ["s"] * 6 + ["n", "n", "d"]
    assert [c.value for c in cells[:6]] == hostile
    assert [c.value for c in cells[6:8]] == [-2.5, -3]
    assert all(c.quotePrefix for c in cells[:6])


@pytest.mark.django_db
def test_the_admin_stores_names_without_bidirectional_characters_and_passwords_as_typed(
    client, users, centre
):
    client.force_login(users["national"])
    password = "Long-Enough-Pass-42\u200b"
    response = add_user(
        client,
        centre=centre.pk,
        first_name="\u202eramO",
        last_name="Kab\u200bbaj",
        password1=password,
        password2=password,
    )
    assert response.status_code == 302
    created = User.objects.get(username="new.coordinator")
    assert (created.first_name, created.last_name, created.role) == (
        "ramO",
        "Kabbaj",
        Role.COORDINATOR,
    )
    assert created.check_password(password)


@pytest.mark.django_db
def test_the_dashboard_workbook_holds_references_as_text_and_amounts_as_numbers(
    client, users, convention
):
    from partners.models import Convention

    hostile = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tX"]
    Convention.objects.filter(pk=convention.pk).update(reference=hostile[0])
    for reference in hostile[1:]:
        other = Convention.objects.create(
            reference=reference,
            title="Convention",
            starts_on=convention.starts_on,
            ends_on=convention.ends_on,
            envelope=Decimal("1000"),
            status=Convention.Status.ACTIVE,
        )
        other.provinces.add(*convention.provinces.all())
    client.force_login(users["national"])
    workbook = load_workbook(io.BytesIO(client.get("/dashboard/all.xlsx").content))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert cells and not any(cell.data_type == "f" for cell in cells)
    rows = list(workbook.worksheets[TABLE_KEYS.index("conventions")].iter_rows())
    assert sorted(row[0].value for row in rows[1:]) == sorted(hostile)
    assert {row[0].data_type for row in rows[1:]} == {"s"}
    assert {row[1].data_type for row in rows[1:]} == {"n"}
    assert sorted(row[1].value for row in rows[1:]) == [1000] * 4 + [10000000]


def test_a_search_pasted_with_invisible_characters_folds_as_typed_without_them():
    assert fold("\u200fفاطمة\u200b Z\u202eahra") == fold("فاطمة Zahra") == "فاطمه zahra"


def test_every_module_that_writes_a_spreadsheet_writes_it_through_the_inert_cells():
    from pathlib import Path

    from django.conf import settings

    # The scale generator writes CSV for PostgreSQL's COPY, not for people.
    exempt = {
        "reintegration/spreadsheets.py",
        "sampledata/management/commands/generate_scale.py",
    }
    writers = set()
    for app in (
        "reintegration",
        "beneficiaries",
        "projects",
        "partners",
        "ceremonies",
        "dashboard",
        "sampledata",
    ):
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            name = path.relative_to(settings.BASE_DIR).as_posix()
            source = path.read_text()
            if "/tests/" in name or name in exempt:
                continue
            if any(call in source for call in ("csv.writer(", "csv_writer(", "Workbook(")):
                writers.add(name)
                assert "reintegration.spreadsheets import" in source, name
                assert "csv.writer(" not in source, f"{name}: write CSV with csv_writer"
    assert writers == {
        "beneficiaries/exporting.py",
        "beneficiaries/import_template.py",
        "dashboard/views.py",
        "reintegration/logs.py",
    }


def test_soft_hyphens_and_invisible_operators_go_and_unicode_line_breaks_become_ordinary_ones():
    assert clean_text("Ben\u00adnani\u2062 El\u034fAlami\u180e") == "Bennani ElAlami"
    assert clean_text("ligne 1\u2028ligne 2\u2029ligne 3") == "ligne 1\nligne 2\nligne 3"
