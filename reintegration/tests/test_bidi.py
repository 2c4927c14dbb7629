"""The bidirectional algorithm of the documents drawn without a layout engine, against the
Unicode reference behaviour as python-bidi (the unicode-bidi crate) implements it."""

from __future__ import annotations

import bidi as reference
from hypothesis import given, settings
from hypothesis import strategies as st

from reintegration import bidi
from reintegration.formatting import ltr

ATOMS = [*"ابج دهو", *"abc xyz", *"0123", "٣", *" .,-:/%+", *"()[]", "\u064b", "\u00b7"]


def display(text: str, rtl: bool) -> str:
    """The characters as drawn from left to right, controls left out."""
    levels = bidi.levels(text, rtl)
    return "".join(text[i] for i in bidi.visual_order(levels) if text[i] not in bidi.CONTROLS)


def expected(text: str, rtl: bool) -> str:
    shown = reference.get_display(text, base_dir="R" if rtl else "L")
    return "".join(char for char in shown if char not in bidi.CONTROLS)


def test_numbers_and_latin_inside_arabic_read_left_to_right():
    assert display("رقم 4521", True) == "4521 مقر"
    assert display("ماكينة JUKI DDL-8700 رقم 12", True) == "12 مقر JUKI DDL-8700 ةنيكام"
    assert display("Résidence : بني مكادة", False) == "Résidence : ةداكم ينب"


def test_an_isolate_keeps_its_content_apart_from_the_sentence_around_it():
    # Without the isolate, the stars join the Arabic side; with it, the number reads as typed.
    assert display("البطاقة: *****456", True) == "456***** :ةقاطبلا"
    assert display(f"البطاقة: {ltr('*****456')}", True) == "*****456 :ةقاطبلا"
    levels = bidi.levels(f"ب {ltr('12/05/2024')} ج", True)
    assert levels[0] == 1 and levels[3:13] == [2] * 10


def test_brackets_take_the_direction_of_what_they_enclose():
    assert display("خياطة (النسيج)", True) == ")جيسنلا( ةطايخ"  # mirrored glyphs when shaped
    assert display("Total (DH)", True) == "Total (DH)"


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_the_order_drawn_is_the_reference_order(data):
    def text(depth: int) -> str:
        parts = []
        for _i in range(data.draw(st.integers(1, 8))):
            if depth < 2 and data.draw(st.integers(0, 9)) == 0:
                opening = data.draw(st.sampled_from([bidi.LRI, bidi.RLI, bidi.FSI]))
                parts.append(opening + text(depth + 1) + bidi.PDI)
            else:
                parts.append(data.draw(st.sampled_from(ATOMS)))
        return "".join(parts)

    sample = text(0)
    rtl = data.draw(st.booleans())
    assert display(sample, rtl) == expected(sample, rtl)
