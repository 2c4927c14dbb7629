"""Text folding for search: one function, applied to what is stored and to what is typed.

Arabic names are written with or without hamza on alef, with ta marbuta or ha, alef maqsura or
ya, with or without tatweel and short vowels; Latin names with or without accents and in any
case. Folding both sides the same way lets "فاطمة" find "فاطمه" and "Fès" find "FES".
"""

import re
import unicodedata

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
    # NFKD splits أ إ آ ؤ ئ into a base letter plus a combining hamza or madda, and é into e
    # plus an accent; dropping every combining mark (category Mn) removes those and the
    # Arabic short vowels at once.
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped.translate(_TRANSLATE).casefold()).strip()


def search_terms(query: str | None) -> list[str]:
    """The folded words of a query; every one must match."""
    return [term for term in fold(query).split(" ") if term][:8]
