"""The certificate as drawn by ceremonies.certificate_pdf, read back from the real PDF: its
text in both languages, its pages, its fonts and its QR code."""

from __future__ import annotations

import copy
import io
import re
from decimal import Decimal

import pikepdf
import pytest
import segno
from django.utils import translation
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from beneficiaries.tests.factories import BeneficiaryFactory
from ceremonies import certificate_pdf, certificates
from ceremonies.tests.factories import held_ceremony
from ceremonies.words import amount_in_arabic, amount_in_french
from projects.tests.factories import approved, make_project

pytestmark = pytest.mark.django_db

EIGHT = (
    ("ماكينة خياطة صناعية", "1", "6800.00"),
    ("ماكينة سورجي", "1", "5400.00"),
    ("أقمشة وخيوط", "1", "2000.50"),
    ("مكواة بخارية صناعية", "1", "1850.00"),
    ("طاولة تفصيل خشبية", "1", "1200.00"),
    ("مقص كهربائي للأقمشة", "1", "950.00"),
    ("ماكينة تطريز منزلية", "1", "4300.00"),
    ("كرسي عمل قابل للتعديل", "1", "480.00"),
)
LONG_NAME = ("عبد الرحمن بن محمد بن عبد الله", "بن أحمد بن الحسن الإدريسي الحسني العلوي المراكشي")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def certificate(users, centre, convention):
    person = BeneficiaryFactory(
        centre=centre,
        by=users["coordinator"],
        first_name_ar=LONG_NAME[0],
        last_name_ar=LONG_NAME[1],
        first_name_latin="Abderrahmane",
        last_name_latin="El Idrissi El Hassani El Alaoui El Marrakchi El Fassi",
        cin="BK654321",
    )
    project = approved(make_project(person, users["coordinator"], lines=EIGHT), users)
    ceremony = held_ceremony([project], users)
    return certificates.certificates_issue(ceremony=ceremony, by=users["coordinator"])[0]


def pages_text(pdf: bytes) -> list[str]:
    """Each page's words, line breaks as spaces (long texts wrap)."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def with_items(snapshot: dict, count: int) -> dict:
    """The snapshot of a certificate listing ``count`` equipment lines."""
    longer = copy.deepcopy(snapshot)
    first = longer["items"][0]
    longer["items"] = [
        {**first, "designation": f"{first['designation']} {n}", "serials": [f"SN-{n:03d}"]}
        for n in range(1, count + 1)
    ]
    return longer


def test_the_text_reads_in_both_languages(certificate):
    snapshot = certificate.snapshot
    (text,) = pages_text(bytes(certificate.pdf))
    assert certificate.number in text
    assert " ".join(LONG_NAME) in text  # wrapped over two lines, in reading order
    assert snapshot["beneficiary"]["name_latin"] in text
    assert "*****321" in text and "BK654321" not in text
    for item in snapshot["items"]:
        assert item["designation"] in text
        assert item["total"] in text
    assert amount_in_arabic(Decimal(snapshot["total"])) in text
    assert amount_in_french(Decimal(snapshot["total"])) in text
    assert snapshot["total_text"]["fr"] in text
    assert snapshot["verify_url"] in text
    assert "Equipment handover certificate" not in text  # the labels are translated
    for language in ("ar", "fr"):
        with translation.override(language):
            # pypdf moves a sentence's final stop in right-to-left text: the words suffice.
            assert str(certificates.LABELS["undertaking_keep"]).rstrip(".") in text


def test_a_serial_number_inside_arabic_text_keeps_its_characters(certificate):
    snapshot = with_items(certificate.snapshot, 1)
    snapshot["items"][0]["designation"] = "ماكينة خياطة JUKI DDL-8700 رقم 4521"
    snapshot["items"][0]["serials"] = ["JK-8700-000123", "JK-8700-000124"]
    (text,) = pages_text(certificates.render_certificate(snapshot))
    assert "JUKI DDL-8700" in text and "4521" in text
    assert "JK-8700-000123" in text and "JK-8700-000124" in text


def test_thirty_lines_flow_to_a_second_page_with_the_heading_and_total_repeated(certificate):
    snapshot = with_items(certificate.snapshot, 30)
    pages = pages_text(certificates.render_certificate(snapshot))
    assert len(pages) == 2
    with translation.override("fr"):
        heading = str(certificates.LABELS["designation"])
        total = str(certificates.LABELS["total"])
    for page in pages:
        assert heading in page and total in page and certificate.number in page
    numbered = [re.findall(r"SN-(\d{3})", page) for page in pages]
    assert sorted(int(n) for n in numbered[0] + numbered[1]) == list(range(1, 31))
    assert max(map(int, numbered[0])) < min(map(int, numbered[1]))  # in order, none twice
    assert amount_in_french(Decimal(snapshot["total"])) in pages[1]


def test_the_fonts_are_embedded_as_subsets_with_their_unicode_map(certificate):
    pdf = pikepdf.open(io.BytesIO(bytes(certificate.pdf)))
    regular, _bold = certificate_pdf.faces()
    fonts = pdf.pages[0].Resources.Font
    assert len(fonts) == 2
    for font in fonts.values():
        assert font.Subtype == "/Type0" and font.Encoding == "/Identity-H"
        assert re.fullmatch(r"/[A-Z]{6}\+Amiri(-Bold)?", str(font.BaseFont))
        assert b"beginbfchar" in font.ToUnicode.read_bytes()
        cid_font = font.DescendantFonts[0]
        assert cid_font.Subtype == "/CIDFontType2"
        embedded = TTFont(io.BytesIO(cid_font.FontDescriptor.FontFile2.read_bytes()))
        cid_to_gid = cid_font.CIDToGIDMap.read_bytes()
        drawn = [int.from_bytes(cid_to_gid[i : i + 2], "big") for i in range(0, len(cid_to_gid), 2)]
        drawn = [gid for gid in drawn if gid]
        # A subset: each glyph drawn has its own place in it (with the parts of composite
        # glyphs), a tenth of the font at most.
        assert len(set(drawn)) == len(drawn) > 50
        assert max(drawn) < embedded["maxp"].numGlyphs < regular.face.glyph_count / 10
        widths = cid_font.W
        assert all(isinstance(widths[i], pikepdf.Array) for i in range(1, len(widths), 2))
    assert pdf.docinfo.Title == certificate.number
    assert pdf.Root.Lang == "ar"


def qr_modules(pdf: bytes) -> list[list[bool]]:
    """The QR code's dark modules as drawn: the black rectangles of the page."""
    document = pikepdf.open(io.BytesIO(pdf))
    rects, black = [], False
    for operands, operator in pikepdf.parse_content_stream(document.pages[0]):
        if str(operator) == "g":
            black = float(operands[0]) == 0
        elif str(operator) == "re" and black:
            rects.append([float(value) for value in operands])
    module = min(height for _x, _y, _w, height in rects)
    left = min(x for x, _y, _w, _h in rects)
    top = max(y + height for _x, y, _w, height in rects)
    size = round((top - min(y for _x, y, _w, _h in rects)) / module)
    matrix = [[False] * size for _row in range(size)]
    for x, y, width, height in rects:
        row = round((top - y - height) / module)
        for column in range(round((x - left) / module), round((x - left + width) / module)):
            matrix[row][column] = True
    return matrix


def test_the_qr_code_drawn_is_the_verification_address(certificate):
    matrix = qr_modules(bytes(certificate.pdf))
    expected = segno.make(certificate.snapshot["verify_url"], error="m")
    assert matrix == [
        [bool(module) for module in row] for row in expected.matrix_iter(scale=1, border=0)
    ]
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    scale, border = 4, 4
    size = (len(matrix) + 2 * border) * scale
    image = Image.new("L", (size, size), 255)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                corner = ((x + border) * scale, (y + border) * scale)
                image.paste(0, (*corner, corner[0] + scale, corner[1] + scale))
    (decoded,) = zxingcpp.read_barcodes(image)
    assert decoded.text == certificate.snapshot["verify_url"]


def test_rendering_again_gives_the_same_bytes(certificate):
    assert certificates.render_certificate(certificate.snapshot) == bytes(certificate.pdf)
