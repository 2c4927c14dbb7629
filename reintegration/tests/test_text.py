import pytest

from reintegration.text import fold, search_terms


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("أحمد", "احمد"),
        ("إبراهيم", "ابراهيم"),
        ("آمنة", "امنه"),
        ("فاطمة", "فاطمه"),
        ("مصطفى", "مصطفي"),
        ("محـــمد", "محمد"),
        ("مُحَمَّد", "محمد"),
        ("Fès", "fes"),
        ("ÉL IDRISSI", "el idrissi"),
        ("٠٦١٢٣٤٥٦٧٨", "0612345678"),
    ],
)
def test_it_folds_the_usual_variants(typed, stored):
    assert fold(typed) == stored


def test_it_splits_a_query_into_folded_words():
    assert search_terms("  Fatima   الزهراء ") == ["fatima", "الزهراء"]
    assert search_terms("") == []
