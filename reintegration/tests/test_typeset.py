"""Text shaped with HarfBuzz and broken into lines for the documents drawn without a layout
engine (reintegration.typeset)."""

from __future__ import annotations

from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from reintegration import bidi
from reintegration.bidi import LRI, PDI, RLI
from reintegration.typeset import Face, Paragraph, Span, _levels, find_font

ARABIC = ["ماكينة", "خياطة", "لا", "المملكة", "مؤسسة", "ألفاً", "درهمًا"]
LATIN = ["Juki", "DDL-8700", "équipement", "n°", "(DH)", "6.800,00", "SN-7-0-0"]


@cache
def amiri() -> Face:
    return Face(find_font("Amiri-Regular.ttf"), "Amiri")


def test_arabic_is_joined_and_each_glyph_keeps_its_characters():
    (lam,) = amiri().shape("ل", True)
    alef, joined_lam = amiri().shape("لا", True)  # drawn from left to right
    assert (joined_lam.text, alef.text) == ("ل", "ا")
    assert joined_lam.gid != lam.gid  # the joining form
    glyphs = amiri().shape("لا المملكة", True)
    # A glyph's characters, read from right to left, give the text; the kashida Amiri adds
    # between lam and kaf stands for none.
    assert "".join(glyph.text for glyph in reversed(glyphs)) == "لا المملكة"
    assert "" in {glyph.text for glyph in glyphs}


def test_marks_are_placed_by_their_offsets():
    glyphs = amiri().shape("درهمًا", True)
    mark = next(glyph for glyph in glyphs if glyph.text == "\u064b")
    assert mark.advance == 0 and (mark.dx, mark.dy) != (0, 0)


def test_a_serial_number_sits_between_the_arabic_words_around_it():
    paragraph = Paragraph([Span("رقم JK-8700 هنا", amiri())], True, 9)
    (line,) = paragraph.lines(1000)
    by_text = {"".join(g.text for g in piece.glyphs).strip(): piece for piece in line.pieces}
    assert set(by_text) == {"مقر", "JK-8700", "انه"} or set(by_text) == {"رقم", "JK-8700", "هنا"}
    latin = by_text["JK-8700"]
    arabic = sorted((p for key, p in by_text.items() if key != "JK-8700"), key=lambda p: p.x)
    # Read from the right: رقم, then the serial (left to right), then هنا.
    assert arabic[0].x < latin.x < arabic[1].x
    assert "".join(g.text for g in arabic[1].glyphs[::-1]).strip() == "رقم"
    assert line.text == "رقم JK-8700 هنا"


words = st.lists(st.sampled_from(ARABIC + LATIN), min_size=1, max_size=25)


@settings(max_examples=150, deadline=None)
@given(words=words, rtl=st.booleans(), width=st.floats(40, 400))
def test_lines_fit_their_width_and_keep_every_word_in_order(words, rtl, width):
    text = " ".join(words)
    paragraph = Paragraph([Span(text, amiri())], rtl, 9)
    lines = paragraph.breaks(width)
    widest_word = max(paragraph.width_of(m, m + len(w)) for m, w in _spans(text))
    for start, end in lines:
        assert text[start:end] == text[start:end].strip(" ")
        if widest_word <= width:  # else a word is cut where it overflows
            assert paragraph.width_of(start, end) <= width + 1e-6
    drawn = [paragraph.line(start, end) for start, end in lines]
    assert " ".join(line.text for line in drawn).split() == words or widest_word > width
    assert "".join(line.text.replace(" ", "") for line in drawn) == text.replace(" ", "")
    for line in drawn:
        assert abs(line.width - sum(p.width for p in line.pieces)) < 1e-6
        assert line.width <= width + 1e-6 or widest_word > width


def _spans(text: str) -> list[tuple[int, str]]:
    found, index = [], 0
    for word in text.split(" "):
        found.append((index, word))
        index += len(word) + 1
    return found


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=[*"ابج abc 12٣.:-/()%\u064b", LRI, RLI, PDI], max_size=20),
    rtl=st.booleans(),
)
def test_text_of_one_direction_skips_the_algorithm_and_is_drawn_the_same(text, rtl):
    assert bidi.visual_order(_levels(text, rtl)) == bidi.visual_order(bidi.levels(text, rtl))
