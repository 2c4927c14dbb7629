"""Text drawn straight into a PDF, for documents of a fixed design printed in numbers (the
handover certificates): HarfBuzz shapes the text (Arabic joining, ligatures, marks), the
bidirectional algorithm of ``reintegration.bidi`` orders it, lines are broken at spaces, and
pydyf writes the page with the fonts embedded as subsets (Identity-H, with a ToUnicode map so
that the text can be copied and searched).

Other documents keep WeasyPrint (``reintegration.pdf``): this module has no cascade, no
tables and no page flow; its caller places every line."""

from __future__ import annotations

import io
import re
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pydyf
import uharfbuzz as hb

from reintegration import bidi

FONT_DIRS = (Path("/usr/share/fonts/opentype/fonts-hosny-amiri"),)
# Tables a PDF viewer never reads: the text is shaped and placed already.
DROP_TABLES = frozenset(
    ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GDEF", "GPOS", "GSUB", "JSTF", "kern", "LTSH")
) | {"PCLT", "SVG "}
# Bidi classes of text that the algorithm would draw in its base direction as it stands
# (isolates of that same direction nest without changing the order).
NEUTRAL_CLASSES = frozenset(("WS", "ON", "CS", "ES", "ET", "NSM", "BN", "S", "B", "PDI"))
LEFT_TO_RIGHT_ONLY = NEUTRAL_CLASSES | {"L", "EN", "LRI"}
RIGHT_TO_LEFT_ONLY = NEUTRAL_CLASSES | {"R", "AL", "RLI"}


def find_font(filename: str) -> Path:
    """The file of a font of the system: the Debian package's folder (scripts/setup.sh
    installs fonts-hosny-amiri)."""
    for folder in FONT_DIRS:
        if (folder / filename).exists():
            return folder / filename
    raise FileNotFoundError(f"the font {filename} is not installed (scripts/setup.sh)")


@dataclass(frozen=True)
class Glyph:
    """A shaped glyph, in font units: its id, how far it moves the pen, how far it is drawn
    from the pen, and the characters it stands for (empty for the second glyph of a cluster)."""

    gid: int
    advance: int
    dx: int
    dy: int
    text: str
    cluster: int  # index in the shaped text of the first character it stands for


class Face:
    """One font file, loaded once per process."""

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name
        self.blob = hb.Blob.from_file_path(str(path))
        self.face = hb.Face(self.blob)
        self.font = hb.Font(self.face)
        self.upem: int = self.face.upem
        extents = self.font.get_font_extents("ltr")
        self.ascender: int = extents.ascender
        self.descender: int = extents.descender
        self._widths: dict[int, int] = {}

    def width(self, gid: int) -> int:
        """The glyph's advance in the font's own metrics: what a PDF viewer assumes."""
        if gid not in self._widths:
            self._widths[gid] = self.font.get_glyph_h_advance(gid)
        return self._widths[gid]

    @lru_cache(maxsize=4096)  # noqa: B019 - faces live as long as the process
    def shape(self, text: str, rtl: bool) -> tuple[Glyph, ...]:
        """The glyphs of one directional run, from left to right."""
        buffer = hb.Buffer()
        buffer.add_codepoints([ord(char) for char in text])
        buffer.direction = "rtl" if rtl else "ltr"
        buffer.cluster_level = hb.BufferClusterLevel.MONOTONE_CHARACTERS
        buffer.guess_segment_properties()
        hb.shape(self.font, buffer)
        infos, positions = buffer.glyph_infos, buffer.glyph_positions
        starts = sorted({info.cluster for info in infos})
        ends = dict(zip(starts, [*starts[1:], len(text)], strict=True))
        seen: set[int] = set()
        glyphs = []
        # In logical order, so that the first glyph of a cluster carries its text.
        order = range(len(infos) - 1, -1, -1) if rtl else range(len(infos))
        for i in order:
            info, position = infos[i], positions[i]
            cluster = info.cluster
            chars = "" if cluster in seen else text[cluster : ends[cluster]]
            seen.add(cluster)
            glyphs.append(
                Glyph(
                    info.codepoint,
                    position.x_advance,
                    position.x_offset,
                    position.y_offset,
                    chars,
                    cluster,
                )
            )
        if rtl:
            glyphs.reverse()
        return tuple(glyphs)


@dataclass(frozen=True)
class Span:
    """Text in one face: a paragraph is a sequence of them (a bold label, then its value)."""

    text: str
    face: Face


@dataclass(frozen=True)
class Piece:
    """Glyphs of one face and one direction, drawn from left to right from ``x`` (points
    from the line's left end)."""

    face: Face
    glyphs: tuple[Glyph, ...]
    width: float  # in points
    x: float = 0.0


@dataclass(frozen=True)
class Line:
    pieces: tuple[Piece, ...]
    width: float  # in points
    text: str  # its characters in logical order, controls removed


@dataclass
class _Segment:
    start: int  # in the paragraph's text
    end: int
    face: Face
    rtl: bool
    glyphs: tuple[Glyph, ...] = ()


def _levels(text: str, rtl: bool) -> list[int]:
    """The bidi levels, or levels drawn alike without running the algorithm when the text
    reads in one direction only (most of a certificate's French, many Arabic lines)."""
    kinds = {unicodedata.bidirectional(char) for char in text}
    if kinds <= (LEFT_TO_RIGHT_ONLY if not rtl else RIGHT_TO_LEFT_ONLY):
        return [1 if rtl else 0] * len(text)
    return _cached_levels(text, rtl)


@lru_cache(maxsize=2048)
def _cached_levels(text: str, rtl: bool) -> list[int]:
    return bidi.levels(text, rtl)


class Paragraph:
    """Spans of a paragraph of base direction ``rtl``, shaped once and broken into lines of a
    given width."""

    def __init__(self, spans: Sequence[Span], rtl: bool, size: float, spacing: float = 0.0) -> None:
        self.text = "".join(span.text for span in spans)
        self.rtl = rtl
        self.size = size
        self.levels = _levels(self.text, rtl)
        faces: list[Face] = []
        for span in spans:
            faces.extend([span.face] * len(span.text))
        # Segments: maximal runs of one level and one face, the bidi controls left out.
        self.segments: list[_Segment] = []
        for index, char in enumerate(self.text):
            if char in bidi.CONTROLS:
                continue
            level, face = self.levels[index], faces[index]
            last = self.segments[-1] if self.segments else None
            if (
                last
                and last.face is face
                and self.levels[last.end - 1] == level
                and all(c in bidi.CONTROLS for c in self.text[last.end : index])
            ):
                last.end = index + 1
            else:
                self.segments.append(_Segment(index, index + 1, face, level % 2 == 1))
        self.advance = [0.0] * len(self.text)  # points per character (a cluster's first)
        for segment in self.segments:
            run = "".join(
                c if c not in bidi.CONTROLS else "" for c in self.text[segment.start : segment.end]
            )
            # Map the run's indices (controls removed) back to the paragraph's.
            index_of = [
                i for i in range(segment.start, segment.end) if self.text[i] not in bidi.CONTROLS
            ]
            shaped = segment.face.shape(run, segment.rtl)
            scale = size / segment.face.upem
            # Letter spacing (in points) is added after each cluster's first glyph.
            extra = round(spacing / scale)
            segment.glyphs = tuple(
                Glyph(
                    g.gid,
                    g.advance + (extra if g.text else 0),
                    g.dx,
                    g.dy,
                    g.text,
                    index_of[g.cluster],
                )
                for g in shaped
            )
            for glyph in segment.glyphs:
                self.advance[glyph.cluster] += glyph.advance * scale

    def width_of(self, start: int, end: int) -> float:
        return sum(self.advance[start:end])

    def breaks(self, width: float) -> list[tuple[int, int]]:
        """Greedy lines: the character ranges of the lines, broken after spaces, and inside a
        word only when the word alone is wider than the line. Spaces ending a line are left
        out of its range."""
        text = self.text
        words: list[tuple[int, int, int]] = []  # start, end of the word, end with its spaces
        for match in re.finditer(r"[^ ]+ *| +", text):
            words.append(
                (match.start(), match.start() + len(match.group().rstrip(" ")), match.end())
            )
        lines: list[tuple[int, int]] = []
        start = 0
        line_width = 0.0  # up to the end of the last word's spaces
        visible_end = 0
        for word_start, word_end, spaced_end in words:
            word = self.width_of(word_start, word_end)
            if visible_end > start and line_width + word > width + 1e-6:
                lines.append((start, visible_end))
                start, line_width = word_start, 0.0
            if word > width + 1e-6:  # a word wider than the line is cut where it overflows
                cut = word_start
                for index in range(word_start, word_end):
                    if index > cut and line_width + self.advance[index] > width + 1e-6:
                        lines.append((start, index))
                        start, cut, line_width = index, index, 0.0
                    line_width += self.advance[index]
                visible_end = word_end
                line_width += self.width_of(word_end, spaced_end)
                continue
            line_width += self.width_of(word_start, spaced_end)
            visible_end = word_end
        if visible_end > start or not lines:
            lines.append((start, visible_end))
        return lines

    def line(self, start: int, end: int) -> Line:
        """The pieces of the characters ``start``–``end``, placed."""
        order = bidi.visual_order(self.levels[start:end])
        place = {index + start: position for position, index in enumerate(order)}
        pieces: list[tuple[int, Piece]] = []
        for segment in self.segments:
            low, high = max(segment.start, start), min(segment.end, end)
            if low >= high:
                continue
            glyphs = tuple(g for g in segment.glyphs if low <= g.cluster < high)
            if not glyphs:
                continue
            scale = self.size / segment.face.upem
            width = sum(g.advance for g in glyphs) * scale
            first = min(place[g.cluster] for g in glyphs)
            pieces.append((first, Piece(segment.face, glyphs, width)))
        # Placed from left to right, then kept in reading order: text extractors (pypdf) read
        # a line's pieces in the order they are drawn.
        placed: list[Piece] = []
        x = 0.0
        for _first, piece in sorted(pieces, key=lambda item: item[0]):
            placed.append(Piece(piece.face, piece.glyphs, piece.width, x))
            x += piece.width
        placed.sort(key=lambda piece: min(g.cluster for g in piece.glyphs))
        visible = "".join(c for c in self.text[start:end] if c not in bidi.CONTROLS)
        return Line(tuple(placed), x, visible)

    def lines(self, width: float) -> list[Line]:
        return [self.line(start, end) for start, end in self.breaks(width)]


def _number(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@dataclass
class _FontUse:
    key: str
    glyphs: dict[int, str] = field(default_factory=dict)  # gid -> text, for ToUnicode


class Canvas:
    """The content of the pages of one PDF: text lines, rectangles and rules, in points from
    the bottom-left corner of the page, as PDF has them."""

    def __init__(self, width: float, height: float) -> None:
        self.width = width
        self.height = height
        self.pages: list[list[str]] = []
        self.fonts: dict[Face, _FontUse] = {}

    def new_page(self) -> None:
        self.pages.append([])

    @property
    def ops(self) -> list[str]:
        return self.pages[-1]

    def fill_rect(self, x: float, y: float, w: float, h: float, grey: float) -> None:
        self.ops.append(
            f"{_number(grey)} g {_number(x)} {_number(y)} {_number(w)} {_number(h)} re f"
        )

    def fill_rects(self, rects: Iterable[tuple[float, float, float, float]], grey: float) -> None:
        parts = [f"{_number(grey)} g"]
        parts.extend(
            f"{_number(x)} {_number(y)} {_number(w)} {_number(h)} re" for x, y, w, h in rects
        )
        parts.append("f")
        self.ops.append("\n".join(parts))

    def rules(
        self, segments: Iterable[tuple[float, float, float, float]], grey: float, width: float
    ) -> None:
        """Straight lines from (x1, y1) to (x2, y2)."""
        parts = [f"{_number(grey)} G {_number(width)} w 0 J"]
        parts.extend(
            f"{_number(x1)} {_number(y1)} m {_number(x2)} {_number(y2)} l"
            for x1, y1, x2, y2 in segments
        )
        parts.append("S")
        self.ops.append("\n".join(parts))

    def text(self, line: Line, x: float, baseline: float, size: float, grey: float = 0) -> None:
        """A line drawn from ``x`` (its left end) on ``baseline``."""
        out = [f"BT {_number(grey)} g"]
        for piece in line.pieces:
            use = self.fonts.get(piece.face)
            if use is None:
                use = self.fonts[piece.face] = _FontUse(f"F{len(self.fonts) + 1}")
            left = _number(x + piece.x)
            out.append(f"/{use.key} {_number(size)} Tf 1 0 0 1 {left} {_number(baseline)} Tm")
            out.extend(_show(piece, use, size))
        out.append("ET")
        self.ops.append("\n".join(out))


def _show(piece: Piece, use: _FontUse, size: float) -> list[str]:
    """The operators showing a piece's glyphs where HarfBuzz placed them: TJ arrays whose
    numbers move the pen from where the glyphs' widths would put it, and the rise (Ts) of the
    glyphs placed above or below the baseline (marks, cursive attachment)."""
    face = piece.face
    scale = 1000 / face.upem
    ops: list[str] = []
    array: list[str] = []  # operands of the next TJ
    run: list[str] = []  # glyph ids shown together
    pending = 0.0  # how far (thousandths of the size) to move the pen before the next glyph
    for glyph in piece.glyphs:
        if glyph.gid not in use.glyphs or (glyph.text and not use.glyphs[glyph.gid]):
            use.glyphs[glyph.gid] = glyph.text
        dx = glyph.dx * scale
        pending += dx  # the glyph is drawn off the pen by its offset…
        if pending:
            if run:
                array.append(f"<{''.join(run)}>")
                run = []
            array.append(_number(-pending))
            pending = 0.0
        if glyph.dy:
            if run:
                array.append(f"<{''.join(run)}>")
                run = []
            if array:
                ops.append(f"[{' '.join(array)}] TJ")
                array = []
            rise = _number(glyph.dy * size / face.upem)
            ops.append(f"{rise} Ts <{glyph.gid:04x}> Tj 0 Ts")
        else:
            run.append(f"{glyph.gid:04x}")
        # … which is undone after it; the viewer moves the pen by the glyph's width, HarfBuzz
        # by its advance.
        pending += (glyph.advance - face.width(glyph.gid)) * scale - dx
    if run:
        array.append(f"<{''.join(run)}>")
    if array:
        ops.append(f"[{' '.join(array)}] TJ")
    return ops


def _to_unicode(glyphs: dict[int, str]) -> bytes:
    lines = [
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        b"1 begincodespacerange <0000> <ffff> endcodespacerange",
    ]
    items = sorted(glyphs.items())
    for start in range(0, len(items), 100):
        chunk = items[start : start + 100]
        lines.append(f"{len(chunk)} beginbfchar".encode())
        lines.extend(
            f"<{gid:04x}> <{text.encode('utf-16-be').hex()}>".encode() for gid, text in chunk
        )
        lines.append(b"endbfchar")
    lines.append(b"endcmap CMapName currentdict /CMap defineresource pop end end")
    return b"\n".join(lines)


def subset(face: Face, gids: Iterable[int]) -> tuple[bytes, dict[int, int]]:
    """The font file with only the outlines of ``gids``, and the new id of each of them."""
    subset_input = hb.SubsetInput()
    subset_input.glyph_set.update({0, *gids})
    subset_input.flags = (
        hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED
        | hb.SubsetFlags.DESUBROUTINIZE
        | hb.SubsetFlags.NO_LAYOUT_CLOSURE  # shaped already: no other glyph can appear
        | hb.SubsetFlags.NO_HINTING  # for print, as WeasyPrint embeds fonts
    )
    drop = subset_input.sets(hb.SubsetInputSets.DROP_TABLE_TAG)
    drop.update({int.from_bytes(tag.encode("ascii"), "big") for tag in DROP_TABLES})
    plan = hb.SubsetPlan(face.face, subset_input)
    mapping = dict(plan.old_to_new_glyph_mapping.items())
    result = plan.execute()
    if result is None:
        raise ValueError(f"the font {face.name} could not be subset")
    return bytes(result.blob.data), mapping


def _flate(data: bytes, extra: dict[str, object] | None = None) -> pydyf.Stream:
    """A stream compressed at zlib's default level (pydyf's is the slowest, for a few bytes
    less)."""
    return pydyf.Stream([zlib.compress(data)], {**(extra or {}), "Filter": "/FlateDecode"})


def _prefix(gids: Iterable[int]) -> str:
    """Six capital letters naming a subset (PDF 32000 §9.6.4), derived from its glyphs."""
    value = zlib.crc32(",".join(map(str, sorted(gids))).encode())
    letters = []
    for _i in range(6):
        value, rest = divmod(value, 26)
        letters.append(chr(65 + rest))
    return "".join(letters)


def _font_objects(pdf: pydyf.PDF, face: Face, use: _FontUse) -> pydyf.Dictionary:
    gids = sorted(use.glyphs)
    name = f"/{_prefix(gids)}+{face.name}"
    # The content streams keep the font's glyph ids as character ids; the subset numbers its
    # glyphs anew, and the CIDToGIDMap says which is which (two bytes per character id).
    data, mapping = subset(face, gids)
    file = _flate(data, {"Length1": len(data)})
    pdf.add_object(file)
    cid_to_gid = bytearray(2 * (gids[-1] + 1))
    for gid in gids:
        cid_to_gid[2 * gid : 2 * gid + 2] = mapping[gid].to_bytes(2, "big")
    cid_map = _flate(bytes(cid_to_gid))
    pdf.add_object(cid_map)
    scale = 1000 / face.upem
    ascent, descent = round(face.ascender * scale), round(face.descender * scale)
    descriptor = pydyf.Dictionary(
        {
            "Type": "/FontDescriptor",
            "FontName": name,
            "Flags": 4 + 32 * 0 + 2,  # symbolic, serif
            "FontBBox": pydyf.Array([-1000, descent, 2000, ascent]),
            "ItalicAngle": 0,
            "Ascent": ascent,
            "Descent": descent,
            "CapHeight": ascent,
            "StemV": 80,
            "FontFile2": file.reference,
        }
    )
    pdf.add_object(descriptor)
    widths = pydyf.Array()
    previous = None
    current: pydyf.Array | None = None
    for gid in gids:
        if current is None or previous != gid - 1:
            current = pydyf.Array()
            widths.extend([gid, current])
        current.append(round(face.width(gid) * scale))
        previous = gid
    cid_font = pydyf.Dictionary(
        {
            "Type": "/Font",
            "Subtype": "/CIDFontType2",
            "BaseFont": name,
            "CIDSystemInfo": pydyf.Dictionary(
                {
                    "Registry": pydyf.String("Adobe"),
                    "Ordering": pydyf.String("Identity"),
                    "Supplement": 0,
                }
            ),
            "CIDToGIDMap": cid_map.reference,
            "W": widths,
            "FontDescriptor": descriptor.reference,
        }
    )
    pdf.add_object(cid_font)
    to_unicode = _flate(_to_unicode(use.glyphs))
    pdf.add_object(to_unicode)
    font = pydyf.Dictionary(
        {
            "Type": "/Font",
            "Subtype": "/Type0",
            "BaseFont": name,
            "Encoding": "/Identity-H",
            "DescendantFonts": pydyf.Array([cid_font.reference]),
            "ToUnicode": to_unicode.reference,
        }
    )
    pdf.add_object(font)
    return font


def write(canvas: Canvas, *, title: str, language: str) -> bytes:
    """The PDF of the canvas's pages, with its title and language."""
    pdf = pydyf.PDF()
    fonts = pydyf.Dictionary(
        {use.key: _font_objects(pdf, face, use).reference for face, use in canvas.fonts.items()}
    )
    resources = pydyf.Dictionary({"Font": fonts})
    pdf.add_object(resources)
    for ops in canvas.pages:
        content = _flate("\n".join(ops).encode("ascii"))
        pdf.add_object(content)
        page = pydyf.Dictionary(
            {
                "Type": "/Page",
                "Parent": pdf.pages.reference,
                "MediaBox": pydyf.Array([0, 0, canvas.width, canvas.height]),
                "Contents": content.reference,
                "Resources": resources.reference,
            }
        )
        pdf.add_page(page)
    pdf.info["Title"] = pydyf.String(title)
    pdf.info["Producer"] = pydyf.String("reintegration")
    pdf.catalog["Lang"] = pydyf.String(language)
    output = io.BytesIO()
    pdf.write(output, version=b"1.7", compress=True)
    return output.getvalue()
