"""The handover certificate, drawn without a layout engine.

Its design is fixed here in points (the one static/pdf/certificate.css gave when WeasyPrint
laid the certificate out), and only the text varies: rows grow with their wrapped text, and
the equipment table flows onto more pages with its heading and its total repeated. Arabic
comes first, on the right; French on the left.

WeasyPrint spent about a millisecond per line of text on each certificate (docs/benchmarks.md,
"Handover certificates"); drawing the same page with reintegration.typeset takes a few."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import segno

from reintegration.formatting import ltr
from reintegration.typeset import Canvas, Face, Line, Paragraph, Span, find_font, write

MM = 72 / 25.4
PAGE_WIDTH, PAGE_HEIGHT = 210 * MM, 297 * MM
PAGE_TOP, PAGE_BOTTOM = 9 * MM, PAGE_HEIGHT - 11 * MM  # the page's margins
BODY_LEFT, BODY_RIGHT = 11 * MM + 6, PAGE_WIDTH - 11 * MM - 6  # and the body's 6 pt
BODY_WIDTH = BODY_RIGHT - BODY_LEFT
BORDER = 0.75  # 1 px
BORDER_GREY = 0xBB / 255
HEADING_GREY, WHO_GREY, TOTAL_GREY = 0xF3 / 255, 0xF6 / 255, 0xFA / 255
FOOT_GREY, NUMBER_GREY = 0x44 / 255, 0x55 / 255
# The tables of two halves overflow the body to the left by their padding, as they always
# have: the middles of their outer borders and of the border between the halves.
HALVES_LEFT, HALVES_MIDDLE, HALVES_RIGHT = 17.915, 287.82, BODY_RIGHT - BORDER / 2
HALVES_PADDING = (1.6 * MM, 0.6 * MM)
# The equipment table's columns, from the right: number, designation, brand, serials,
# quantity, unit value, total.
ITEM_COLUMNS = (0.05, 0.28, 0.14, 0.16, 0.09, 0.14, 0.14)
ITEM_PADDING = (2 * MM, 1.2 * MM)
NO_WRAP = 1e9

Labels = dict[str, dict[str, str]]
Spans = tuple[tuple[str, bool], ...]  # (text, bold)


@lru_cache(maxsize=1)
def faces() -> tuple[Face, Face]:
    """Amiri, regular and bold: the certificate's font."""
    return (
        Face(find_font("Amiri-Regular.ttf"), "Amiri"),
        Face(find_font("Amiri-Bold.ttf"), "Amiri-Bold"),
    )


@lru_cache(maxsize=512)
def _paragraph(spans: Spans, rtl: bool, size: float, spacing: float) -> Paragraph:
    """Shaped once per process for the fixed texts (labels, undertakings), which every
    certificate repeats."""
    regular, bold = faces()
    return Paragraph(
        [Span(text, bold if strong else regular) for text, strong in spans if text],
        rtl,
        size,
        spacing,
    )


@dataclass(frozen=True)
class Text:
    """A paragraph: its spans, direction, size, line height (times the size), alignment
    ("start", "center" or "left") and letter spacing (points)."""

    spans: Spans
    rtl: bool
    size: float
    leading: float = 1.3
    align: str = "start"
    spacing: float = 0.0

    def lines(self, width: float) -> list[Line]:
        return _paragraph(self.spans, self.rtl, self.size, self.spacing).lines(width)


def plain(text: str, rtl: bool, size: float = 9, **style: Any) -> Text:
    return Text(((text, False),), rtl, size, **style)


def bold(text: str, rtl: bool, size: float = 9, **style: Any) -> Text:
    return Text(((text, True),), rtl, size, **style)


@dataclass
class Block:
    """Paragraphs broken into lines for a width."""

    lines: list[tuple[Line, Text]]
    height: float


def lay(texts: Sequence[Text], width: float) -> Block:
    lines = [(line, text) for text in texts for line in text.lines(width)]
    return Block(lines, sum(text.size * text.leading for _line, text in lines))


def draw(
    canvas: Canvas, block: Block, left: float, width: float, top: float, grey: float = 0.0
) -> None:
    """A block's lines from ``top`` (down from the page's top edge), aligned between
    ``left`` and ``left + width``; the baseline sits in its line as CSS puts it."""
    regular = faces()[0]
    ascender = regular.ascender / regular.upem
    height = (regular.ascender - regular.descender) / regular.upem
    for line, text in block.lines:
        line_height = text.size * text.leading
        baseline = top + (line_height - height * text.size) / 2 + ascender * text.size
        if text.align == "center":
            x = left + (width - line.width) / 2
        elif text.align == "start" and text.rtl:
            x = left + width - line.width
        else:
            x = left
        if line.pieces:
            canvas.text(line, x, PAGE_HEIGHT - baseline, text.size, grey)
        top += line_height


@dataclass(frozen=True)
class Cell:
    """A cell between two vertical borders (the x of their middles)."""

    left: float
    right: float
    texts: tuple[Text, ...] = ()
    background: float | None = None
    wrap: bool = True


@dataclass
class Row:
    """A table row laid out: its cells' lines and its height, borders included."""

    cells: list[tuple[Cell, Block]]
    padding: tuple[float, float]
    height: float = field(init=False)
    min_content: float = 0.0

    def __post_init__(self) -> None:
        content = max([self.min_content, *(block.height for _cell, block in self.cells)])
        self.height = content + 2 * self.padding[1] + BORDER


def row(cells: Sequence[Cell], padding: tuple[float, float], min_content: float = 0) -> Row:
    laid = []
    for cell in cells:
        width = cell.right - cell.left - BORDER - 2 * padding[0]
        laid.append((cell, lay(cell.texts, width if cell.wrap else NO_WRAP)))
    return Row(laid, padding, min_content)


def draw_rows(canvas: Canvas, rows: Sequence[Row], top: float) -> float:
    """Rows with collapsed borders from ``top`` (the middle of the first border); returns the
    middle of the last."""
    first_op = len(canvas.ops)
    backgrounds: dict[float, list[tuple[float, float, float, float]]] = {}
    rules: list[tuple[float, float, float, float]] = []
    for current in rows:
        bottom = top + current.height
        left = min(cell.left for cell, _block in current.cells)
        right = max(cell.right for cell, _block in current.cells)
        rules.append((left, PAGE_HEIGHT - top, right, PAGE_HEIGHT - top))
        rules.append((left, PAGE_HEIGHT - bottom, right, PAGE_HEIGHT - bottom))
        padding_x, padding_y = current.padding
        for cell, block in current.cells:
            if cell.background is not None:
                backgrounds.setdefault(cell.background, []).append(
                    (
                        cell.left + BORDER / 2,
                        PAGE_HEIGHT - bottom + BORDER / 2,
                        cell.right - cell.left - BORDER,
                        current.height - BORDER,
                    )
                )
            rules.extend(
                (x, PAGE_HEIGHT - top, x, PAGE_HEIGHT - bottom) for x in (cell.left, cell.right)
            )
            inner = BORDER / 2 + padding_x
            width = cell.right - cell.left - 2 * inner
            draw(canvas, block, cell.left + inner, width, top + BORDER / 2 + padding_y)
        top = bottom
    # The backgrounds go under the rows' text, the borders over both.
    for grey, rects in backgrounds.items():
        canvas.fill_rects(rects, grey)
        canvas.ops.insert(first_op, canvas.ops.pop())
    canvas.rules(rules, BORDER_GREY, BORDER)
    return top


class Page:
    """The page being drawn and how far down it is filled (``top``, from its top edge)."""

    def __init__(self, canvas: Canvas, number: str) -> None:
        self.canvas = canvas
        self.number = number
        self.top = PAGE_TOP
        self.start()

    def start(self) -> None:
        self.canvas.new_page()
        self.top = PAGE_TOP
        # The certificate's number in the bottom margin of every page.
        ((line, _text),) = lay([plain(self.number, False, 7.5)], NO_WRAP).lines
        self.canvas.text(line, 11 * MM, 13.0, 7.5, NUMBER_GREY)

    def room(self) -> float:
        return PAGE_BOTTOM - self.top

    def table(
        self,
        rows: Sequence[Row],
        *,
        margin: float = 0,
        heading: Row | None = None,
        footer: Row | None = None,
    ) -> None:
        """A table below ``margin``: a row that does not fit goes to the next page (rows are
        never split), where the heading and the footer are drawn again."""
        repeated = [r for r in (heading, footer) if r is not None]
        fixed = sum(r.height for r in repeated) + BORDER
        self.top += margin
        on_page: list[Row] = []
        for current in rows:
            used = sum(r.height for r in on_page)
            fits = used + current.height + fixed <= self.room()
            if not fits and (on_page or self.top > PAGE_TOP):
                if on_page:
                    self._draw(on_page, heading, footer)
                self.start()
                on_page = []
            on_page.append(current)
        self._draw(on_page, heading, footer)

    def _draw(self, rows: list[Row], heading: Row | None, footer: Row | None) -> None:
        framed = [r for r in (heading, *rows, footer) if r is not None]
        self.top = draw_rows(self.canvas, framed, self.top + BORDER / 2) + BORDER / 2

    def block(self, block: Block, margin: float, draw_at: Callable[[float], None]) -> None:
        """Text outside the tables, on this page if it fits, else on the next."""
        if margin + block.height > self.room():
            self.start()
            margin = 0
        draw_at(self.top + margin)
        self.top += margin + block.height


def render(snapshot: dict[str, Any], labels: Labels) -> bytes:
    """The certificate's PDF: ``snapshot`` is what build_snapshot copied at issue, ``labels``
    the fixed texts in each language."""
    canvas = Canvas(PAGE_WIDTH, PAGE_HEIGHT)
    page = Page(canvas, snapshot["number"])
    _head(page, snapshot, labels)
    _titles(page, labels)
    page.table(_reference_rows(snapshot, labels))
    _equipment(page, snapshot, labels)
    page.table(_words_rows(snapshot, labels), margin=1.5 * MM)
    _signatures(page, labels)
    _foot(page, snapshot, labels)
    return write(canvas, title=snapshot["number"], language="ar")


def _head(page: Page, c: dict[str, Any], L: Labels) -> None:
    """The authorities in each language on either side, the QR code between them."""
    top = PAGE_TOP + 6
    for language, rtl, left in (("ar", True, 346.895), ("fr", False, 23.005)):
        province = f"({c['province_code']})"
        block = lay(
            [
                plain(L["kingdom"][language], rtl, 8.5),
                bold(L["foundation"][language], rtl, 8.5),
                plain(c["centre"][language], rtl, 8.5),
                plain(f"{c['province'][language]} {ltr(province) if rtl else province}", rtl, 8.5),
            ],
            208.37,
        )
        draw(page.canvas, block, left, 208.37, top)
    qr(page.canvas, c["verify_url"], 262.2, top, 19 * MM)
    code = plain(c["code_display"], False, 7.5, align="center", spacing=0.375)
    draw(page.canvas, lay([code], NO_WRAP), 237.04, 104.18, top + 57.3)
    page.top = top + 67.05


def qr(canvas: Canvas, url: str, left: float, top: float, size: float) -> None:
    """The verification address's QR code: its dark modules as rectangles (one per run of a
    row), vector paths that print sharp at any size."""
    matrix = [list(modules) for modules in segno.make(url, error="m").matrix_iter(border=0)]
    module = size / len(matrix)
    rects = []
    for y, modules in enumerate(matrix):
        x = 0
        while x < len(modules):
            end = x
            while end < len(modules) and modules[end]:
                end += 1
            if end > x:
                bottom = PAGE_HEIGHT - top - (y + 1) * module
                rects.append((left + x * module, bottom, (end - x) * module, module))
            x = end + 1
    canvas.fill_rects(rects, 0)


def _titles(page: Page, L: Labels) -> None:
    page.top += MM
    for text in (
        bold(L["title"]["ar"], True, 14, align="center"),
        plain(L["title"]["fr"], False, 11.5, align="center"),
    ):
        block = lay([text], BODY_WIDTH)
        draw(page.canvas, block, BODY_LEFT, BODY_WIDTH, page.top)
        page.top += block.height
    page.top += 2 * MM


def _halves(ar: Text, fr: Text, background: float | None = None) -> Row:
    return row(
        [
            Cell(HALVES_MIDDLE, HALVES_RIGHT, (ar,), background),
            Cell(HALVES_LEFT, HALVES_MIDDLE, (fr,), background),
        ],
        HALVES_PADDING,
    )


def _references(c: dict[str, Any], L: Labels, language: str) -> list[list[tuple[str, bool]]]:
    """The lines of the certificate's references in one language, as spans."""
    arabic = language == "ar"
    colon = ":" if arabic else " :"

    def label(key: str) -> tuple[str, bool]:
        return (L[key][language] + colon, True)

    def value(text: object) -> str:
        """A number or code, kept left to right inside Arabic."""
        return ltr(text) if arabic else str(text)

    person, project = c["beneficiary"], c["project"]
    lines = [
        [(L["number"][language], True), (" ", False), (value(c["number"]), True)],
        [label("date_place"), (f" {c['held_on'][language]} · {c['place']}", False)],
        [label("presided"), (f" {c['authority'][language]} {c['presided_by']}", False)],
    ]
    for convention in c["conventions"]:
        first = value(convention["reference"])
        if convention["signed_on"]:
            first += f" ({convention['signed_on'][language]})"
        parts = [first, (convention.get("title_ar") if arabic else None) or convention["title"]]
        if convention["programme"][language]:
            parts.append(convention["programme"][language])
        if c["tranche"]:
            parts.append(f"{L['tranche'][language]} {value(c['tranche'])}")
        lines.append([label("convention"), (" " + " · ".join(parts), False)])
    name = person["name_ar"] if arabic else person["name_latin"]
    lines.append([label("beneficiary"), (f" {name}", False)])
    identity = [label("file_number"), (f" {value(person['file_number'])}", False)]
    if person["cin"]:
        identity += [(" · ", False), label("cin"), (f" {value(person['cin'])}", False)]
    lines.append(identity)
    commune = f"{person['commune']} · " if person["commune"] else ""
    residence = f" {commune}{person['residence'][language]}"
    lines.append([label("residence"), (residence, False)])
    sector = project["sector"][language]
    trade = f" {project['trade'][language]}" + (f" ({sector})" if sector else "")
    lines.append(
        [label("project"), (f" {project['title']} · ", False), label("trade"), (trade, False)]
    )
    return lines


def _reference_rows(c: dict[str, Any], L: Labels) -> list[Row]:
    rows = []
    who = 3 + len(c["conventions"])  # the beneficiary's row: larger, on grey
    for index, (ar, fr) in enumerate(
        zip(_references(c, L, "ar"), _references(c, L, "fr"), strict=True)
    ):
        size, grey = (10, WHO_GREY) if index == who else (9, None)
        rows.append(_halves(Text(tuple(ar), True, size), Text(tuple(fr), False, size), grey))
    return rows


def _item_borders() -> list[float]:
    """The middles of the equipment table's vertical borders, from the right."""
    left, right = BODY_LEFT + BORDER / 2, BODY_RIGHT - BORDER / 2
    borders = [right]
    for share in ITEM_COLUMNS:
        borders.append(borders[-1] - share * (right - left))
    borders[-1] = left
    return borders


def _equipment(page: Page, c: dict[str, Any], L: Labels) -> None:
    """The list's heading, then the table: its heading row and its total on each page."""
    x = _item_borders()

    def cell(
        first: int, last: int, *texts: Text, grey: float | None = None, wrap: bool = True
    ) -> Cell:
        """A cell from column ``first`` to column ``last`` (counted from the right)."""
        return Cell(x[last + 1], x[first], texts, grey, wrap)

    def number(column: int, value: str, strong: bool = False, grey: float | None = None) -> Cell:
        text = Text(((value, strong),), False, 9, align="left")
        return cell(column, column, text, grey=grey, wrap=False)

    def heading(column: int, *lines: str) -> Cell:
        texts = (bold(line, True, 8.4, leading=1.2, align="center") for line in lines)
        return cell(column, column, *texts, grey=HEADING_GREY)

    def both(key: str, unit: str = "") -> tuple[str, str]:
        return L[key]["ar"], L[key]["fr"] + unit

    title = lay([bold(L["equipment"]["ar"], True, 10)], BODY_WIDTH)
    french = lay([plain(L["equipment"]["fr"], False, 10)], BODY_WIDTH)

    def draw_title(top: float) -> None:
        draw(page.canvas, title, BODY_LEFT, BODY_WIDTH, top)
        draw(page.canvas, french, BODY_LEFT, BODY_WIDTH, top)

    page.block(title, 2.2 * MM, draw_title)
    page.top += MM
    header = row(
        [
            heading(0, "#"),
            heading(1, *both("designation")),
            heading(2, *both("brand")),
            heading(3, *both("serial")),
            heading(4, *both("quantity")),
            heading(5, *both("unit_value", " (DH)")),
            heading(6, *both("line_total", " (DH)")),
        ],
        ITEM_PADDING,
    )
    rows = []
    for n, item in enumerate(c["items"], start=1):
        # One serial per unit; certificates issued before serials had one per line.
        serials = item.get("serials") or [item.get("serial", "")]
        rows.append(
            row(
                [
                    number(0, str(n)),
                    cell(1, 1, plain(item["designation"], True)),
                    cell(2, 2, plain(item["brand"], True)),
                    cell(3, 3, *(plain(serial, False, align="left") for serial in serials)),
                    number(4, item["quantity"]),
                    number(5, item["unit_value"]),
                    number(6, item["total"]),
                ],
                ITEM_PADDING,
            )
        )
    cheque = c.get("cheque")
    if cheque:
        ar, fr = both("cheque")
        if cheque["number"]:
            ar += f" ({L['cheque_number']['ar']} {ltr(cheque['number'])})"
            fr += f" ({L['cheque_number']['fr']} {cheque['number']})"
        rows.append(
            row(
                [
                    cell(0, 0),
                    cell(1, 5, plain(f"{ar} / {fr}", True)),
                    number(6, cheque["amount"]["fr"]),
                ],
                ITEM_PADDING,
            )
        )
    total = f"{L['total']['ar']} / {L['total']['fr']}"
    footer = row(
        [
            cell(0, 5, bold(total, True), grey=TOTAL_GREY),
            number(6, c["total_text"]["fr"], strong=True, grey=TOTAL_GREY),
        ],
        ITEM_PADDING,
    )
    page.table(rows, heading=header, footer=footer)


def _words_rows(c: dict[str, Any], L: Labels) -> list[Row]:
    words = [
        Text(((L["in_words"][language] + colon, True), (f" {c['words'][language]}", False)), rtl, 9)
        for language, rtl, colon in (("ar", True, ":"), ("fr", False, " :"))
    ]
    undertakings = []
    for language, rtl in (("ar", True), ("fr", False)):
        texts = [bold(L["undertakings"][language], rtl, 8.6)]
        for n, key in enumerate(("undertaking_use", "undertaking_keep", "undertaking_visits"), 1):
            texts.append(plain(f"{n}. {L[key][language]}", rtl, 8.6))
        undertakings.append(tuple(texts))
    return [
        _halves(words[0], words[1]),
        row(
            [
                Cell(HALVES_MIDDLE, HALVES_RIGHT, undertakings[0]),
                Cell(HALVES_LEFT, HALVES_MIDDLE, undertakings[1]),
            ],
            HALVES_PADDING,
        ),
    ]


def _signatures(page: Page, L: Labels) -> None:
    """Three boxes, 17 mm high at least: the beneficiary on the right."""
    left, right = BODY_LEFT + BORDER / 2, BODY_RIGHT - BORDER / 2
    third = (right - left) / 3
    cells = [
        Cell(
            right - (i + 1) * third,
            right - i * third,
            tuple(plain(L[key][language], True, 8.5, align="center") for language in ("ar", "fr")),
        )
        for i, key in enumerate(("sign_beneficiary", "sign_coordinator", "sign_authority"))
    ]
    page.table([row(cells, ITEM_PADDING, min_content=17 * MM)], margin=2 * MM)


def _foot(page: Page, c: dict[str, Any], L: Labels) -> None:
    """Where and how to check the certificate, in each language."""
    texts = []
    for language, rtl in (("ar", True), ("fr", False)):
        url, code = c["verify_url"], c["code_display"]
        if rtl:
            url, code = ltr(url), ltr(code)
        line = (
            f"{L['verify'][language]} {url} · {L['code'][language]} {code} · "
            f"{L['issued'][language]} {c['issued_on'][language]}"
        )
        texts.append(plain(line, rtl, 8, align="center"))
    block = lay(texts, BODY_WIDTH)
    page.block(
        block, 2 * MM, lambda top: draw(page.canvas, block, BODY_LEFT, BODY_WIDTH, top, FOOT_GREY)
    )
