"""Name keys: what duplicate detection and search compare names by.

The same person is written "Mohamed", "Mohammed" or "Muhammad", "Fatima-Zahra" or
"Fatimazzahra", "El Idrissi" or "Idrissi", "الإدريسي" or "إدريسي", depending on who typed the
file and on French or English habits of transliteration. A name key folds those spellings
together, after ``reintegration.text.fold`` (case, accents, hamza, ta marbuta…); it is for
comparing, never for showing.

Word by word:
- the definite article is dropped when it stands alone ("El", "Al", "Es", "Ez", "ال"…) and
  other words remain; attached as "El…" (Elidrissi) or assimilated as "Ezzahra", "Essaidi",
  "Echchafai" it is dropped when at least three letters remain; "ال" is dropped from the
  front of Arabic words;
- a French silent final "e" after a consonant goes (Hassane, Yassine);
- "Ben", "Bel", "Ait", "Bou" stay: they are part of the name, and since words are joined
  "Ben Ali", "Ben-Ali" and "Benali" agree anyway.
Then on the joined words:
- "sh" is written "ch", "dj" "j" (English and French habits for the same letters);
- o, ou, w become u; e becomes a; y becomes i; q becomes k (Arabic writes three vowels, Latin
  transliteration five);
- doubled letters count once (Mohammed, Fatimazzahra, Bennani).
Every step only shortens or rewrites towards those letters, so a key is its own key.
"""

import re

from reintegration.text import fold

_ARTICLES = frozenset(
    {"al", "el", "l", "ad", "ed", "an", "en", "ar", "er", "as", "es", "at", "et", "az", "ez"}
    | {"ach", "ech", "ال"}
)
_NAME_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015'’`.,_/]+")
_NOT_LETTER = re.compile(r"[^a-z\u0621-\u064a]")
_DOUBLED = re.compile(r"(.)\1+")
# "Elidrissi" (at least three letters after "el"), "Ezzahra", "Echchafai" (the article's
# consonant assimilated to the next, at least three letters after it).
_ATTACHED_ARTICLE = re.compile(r"^(?:el(?=[a-z]{3})|e(ch|[dnrstz])(?=\1[a-z]{3}))")
_SILENT_E = re.compile(r"(?<=[^aeiouy])e$")
_LATIN_SOUNDS = str.maketrans({"o": "u", "w": "u", "e": "a", "y": "i", "q": "k"})


def _until_stable(step, text: str) -> str:
    while True:
        changed = step(text)
        if changed == text:
            return text
        text = changed


def _strip_arabic_article(text: str) -> str:
    return text[2:] if text.startswith("ال") and len(text) > 2 else text


def _word_step(word: str) -> str:
    word = _ATTACHED_ARTICLE.sub("", word)
    if len(word) > 3:
        word = _SILENT_E.sub("", word)
    return _DOUBLED.sub(r"\1", _strip_arabic_article(word))


def _joined_step(text: str) -> str:
    text = _DOUBLED.sub(r"\1", text).replace("sh", "ch").replace("dj", "j")
    return _strip_arabic_article(_DOUBLED.sub(r"\1", text.translate(_LATIN_SOUNDS)))


def name_key(*parts: str | None) -> str:
    """The key of a name given in parts (first name, last name), in either script.

    Two spellings of one name get the same key: "Mohammed El Idrissi" and "Mohamed Idrissi"
    both give "muhamadidrisi". Parts are joined in the order given; compare both orders to
    ignore a first and last name swapped. An empty key means the name has no letters.
    """
    words = [
        _NOT_LETTER.sub("", w) for w in _NAME_SEPARATORS.split(fold(" ".join(filter(None, parts))))
    ]
    words = [w for w in words if w]
    if len(words) > 1 and any(w not in _ARTICLES for w in words):
        words = [w for w in words if w not in _ARTICLES]
    joined = "".join(_until_stable(_word_step, w) for w in words)
    return _until_stable(_joined_step, joined)


def name_search_words(*names: str | None) -> str:
    """What search text adds for names: the key of each word, of each name and of them all, so
    that "mohammed", "fatimazahra" or "الادريسي" typed in the search finds the other
    spellings."""
    keys = []
    for name in names:
        keys.extend(search_term_key(word) for word in fold(name).split(" "))
        keys.append(name_key(name))
    keys.append(name_key(*names))
    return " ".join(dict.fromkeys(key for key in keys if key))


def search_term_key(term: str) -> str:
    """The name key of one search word, or "" for a lone article ("el", "ال"), which names
    written without it would not contain."""
    letters = _NOT_LETTER.sub("", "".join(_NAME_SEPARATORS.split(fold(term))))
    if letters in _ARTICLES:
        return ""
    return name_key(term)
