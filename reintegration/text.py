"""Text folding for search: one function, applied to what is stored and to what is typed.

Arabic names are written with or without hamza on alef, with ta marbuta or ha, alef maqsura or
ya, with or without tatweel and short vowels; Latin names with or without accents and in any
case. Folding both sides the same way lets "فاطمة" find "فاطمه" and "Fès" find "FES".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

from django.db import models

_TRANSLATE = str.maketrans(
    {
        "ة": "ه",  # ta marbuta -> ha
        "ى": "ي",  # alef maqsura -> ya
        "\u0640": None,  # tatweel (kashida)
        **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
        **{chr(0x06F0 + d): str(d) for d in range(10)},  # Eastern Arabic-Indic digits
    }
)
_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    if not text:
        return ""
    # Invisible characters (see clean_text) go first: a query pasted with one still finds.
    # NFKD splits أ إ آ ؤ ئ into a base letter plus a combining hamza or madda, and é into e
    # plus an accent; dropping every combining mark (category Mn) removes those and the
    # Arabic short vowels at once.
    decomposed = unicodedata.normalize("NFKD", text.translate(_INVISIBLE))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped.translate(_TRANSLATE).casefold()).strip()


def search_terms(query: str | None) -> list[str]:
    """The folded words of a query; every one must match."""
    return [term for term in fold(query).split(" ") if term][:8]


# Characters that make stored text display differently from what it holds. Bidirectional
# controls (embeddings, overrides, isolates, marks, the Arabic letter mark) reorder what
# follows them: a U+202E in a name prints it backwards on a certificate. Zero-width characters
# hide inside a name so that two files look identical but differ, and search, duplicate
# detection and import matching miss them. The zero-width non-joiner (U+200C) is spelling in
# Persian, but Arabic and French names have no use for it; in Arabic script it only breaks the
# joining of letters, so it is stripped too. Other C0 controls (except tab and line breaks)
# cannot be typed on purpose and make spreadsheet exports fail, so they go as well. The
# application adds its own isolates (formatting.ltr) to what it displays, never to what it
# stores.
INVISIBLE = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)]  # LRE RLE PDF LRO RLO
    + [chr(c) for c in range(0x2066, 0x206A)]  # LRI RLI FSI PDI
    + ["\u200e", "\u200f", "\u061c"]  # LRM RLM ALM
    + ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]  # ZWSP ZWNJ ZWJ WJ BOM
    + ["\u00ad", "\u034f", "\u180e"]  # soft hyphen, grapheme joiner, Mongolian vowel sep.
    + [chr(c) for c in range(0x2061, 0x2065)]  # invisible function application, times…
    + [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"]
    + ["\x7f"]
)
# The Unicode line and paragraph separators are line breaks that some programs do not draw:
# stored as the ordinary one.
_INVISIBLE = str.maketrans({**dict.fromkeys(INVISIBLE), "\u2028": "\n", "\u2029": "\n"})


def clean_text(text: str) -> str:
    """Typed text as it may be stored: without the characters above, in NFC.

    Stripping comes first: a zero-width character between a letter and its accent would
    otherwise keep them from composing, and the result would change if cleaned again. NFC
    makes "é" typed as one character or as e + accent the same stored text.
    """
    return unicodedata.normalize("NFC", text.translate(_INVISIBLE))


def clean_stored_text(
    model: type[models.Model],
    fields: Sequence[str],
    *,
    derived: dict[str, Callable[[Any], Any]] | None = None,
    reads: Iterable[str] = (),
    batch_size: int = 500,
) -> int:
    """Clean ``fields`` of every row of ``model`` in place; returns how many rows changed.

    For data migrations, so given a historical model. Only the rows that change are written,
    with an UPDATE of those fields alone, in batches, so that a large table is neither held in
    memory nor rewritten. ``derived`` maps a field kept from the others (a search column) to
    the function that recomputes it from a cleaned row; ``reads`` names the other fields that
    function needs.
    """
    derived = derived or {}
    written = [*fields, *derived]
    manager = model._base_manager
    count = 0
    last = None
    while True:
        # Pages by primary key, each read whole before any write: no cursor stays open on a
        # table being updated (SQLite would not promise which rows it still returns).
        page = manager.only("pk", *fields, *reads).order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        rows = list(page[:batch_size])
        if not rows:
            return count
        last = rows[-1].pk
        changed = []
        for row in rows:
            dirty = False
            for name in fields:
                value = getattr(row, name)
                if not isinstance(value, str):
                    continue
                cleaned = clean_text(value)
                limit = cast(models.Field, model._meta.get_field(name)).max_length
                if limit and len(cleaned) > limit:
                    # NFC lengthens a few rare characters; PostgreSQL would refuse the row.
                    cleaned = value.translate(_INVISIBLE)
                if cleaned != value:
                    setattr(row, name, cleaned)
                    dirty = True
            if dirty:
                for name, compute in derived.items():
                    setattr(row, name, compute(row))
                changed.append(row)
        if changed:
            manager.bulk_update(changed, written)
            count += len(changed)
