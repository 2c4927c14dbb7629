"""Name keys: what duplicate detection and search compare names by.

The same person is written "Mohamed", "Mohammed" or "Muhammad", "Fatima-Zahra" or
"Fatimazzahra", "El Idrissi" or "Idrissi", "الإدريسي" or "إدريسي", depending on who typed the
file and on French or English habits of transliteration. A name key folds those spellings
together, after ``reintegration.text.fold`` (case, accents, hamza, ta marbuta…); it is for
comparing, never for showing.

First, the words of one compound name are joined, so that the spaced and the joined spellings
become one word: "Abd El Kader", "Abdel Kader" and "Abdelkader", "عبد القادر" and "عبدالقادر",
"Nour Eddine", "Nour-Ed-Dine" and "Noureddine", "نور الدين" and "نورالدين". Then, in Latin script,
the article inside such a word goes: after "Abd" when a consonant follows, written "el"/"al" or
assimilated ("Abderrahim", "Abdessamad" and "Abdelsamad" give "abdrahim", "abdsamad"), and before
"-din(e)" when a consonant precedes ("Noureddine", "Nourdine", "Nour El Din" give "nourdin").
Before a vowel, "l", "w" or "y" the article stays ("Abdelaziz", "Abdellah", "Abdelouahed"):
stripped there, "Abdelatif" and "Abdellatif" would part, and "abdaziz" would look like an
article again. The Arabic script always writes the article, so joining is enough there.

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
# Words that open a compound with the word after them: "Abd", "Abd El", "Abdel", "Abder"
# ("Abder Rahim"), "عبد", "عبد ال".
_COMPOUND_OPENER = re.compile(r"abd(?:[ae](?:l|ch|[dnrstz]))?|عبد(?:ال)?")
# Words that close a compound with the word before them: "Eddine", "Ed Dine", "Dine", "الدين".
# Not "Eldin" joined: in "Jameleldin" or "Kamaleddine" the "el" of the name and the article
# could not be told apart ("Nour El Din" spaced still gives "nourdin": "Eldin" loses its "El").
_COMPOUND_CLOSER = re.compile(r"[ae]?d+[iy]ne?|الدين")
_CONSONANT = "bcdfghjklmnpqrstvxz"
# "Abdelkader", "Abdalkader" -> "abdkader"; "Abderrahim", "Abdessamad" -> "abdrrahim",
# "abdssamad" (the doubled letter then counts once). Only before a name of three letters or
# more, and only before a consonant that "el" can precede: after stripping, the word starts
# with "abd" and a consonant, which no rule strips again.
_ABD_ARTICLE = re.compile(
    rf"^abd(?:[ae]l(?=[{_CONSONANT.replace('l', '')}][a-z]{{2}})|[ae](?=[dnrstz][a-z]{{2}}))"
)
# "Noureddine", "Nouredine", "Nourddine", "Nourdine" -> "nourdin", after a consonant only, so
# that what is left before "din" is a consonant and the rule does not apply to its own result.
# Repeated until nothing changes, a vowel before the article goes too: "Zine Eddine" and
# "Zinedine" both give "zindin" (and "Nadine" "ndin": a key is for comparing only).
_DIN_ARTICLE = re.compile(rf"(?<=[{_CONSONANT}])[ae]?d+[iy]ne?$")
_LATIN_SOUNDS = str.maketrans({"o": "u", "w": "u", "e": "a", "y": "i", "q": "k"})


def _until_stable(step, text: str) -> str:
    while True:
        changed = step(text)
        if changed == text:
            return text
        text = changed


def _strip_arabic_article(text: str) -> str:
    return text[2:] if text.startswith("ال") and len(text) > 2 else text


def _compound_step(text: str) -> str:
    return _DIN_ARTICLE.sub("din", _ABD_ARTICLE.sub("abd", text))


def _compound_groups(words: list[str]) -> list[list[str]]:
    """The words grouped by compound name: ["abd", "el", "kader"] is one group."""
    groups: list[list[str]] = []
    for word in words:
        if groups and _COMPOUND_OPENER.fullmatch("".join(groups[-1])):
            groups[-1].append(word)
        else:
            groups.append([word])
        # "Nour Ed Dine": "Dine" joins "Ed", then "Eddine" joins "Nour".
        while len(groups) > 1 and _COMPOUND_CLOSER.fullmatch("".join(groups[-1])):
            last = groups.pop()
            groups[-1].extend(last)
    return groups


def _word_step(word: str) -> str:
    word = _compound_step(word)
    word = _ATTACHED_ARTICLE.sub("", word)
    if len(word) > 3:
        word = _SILENT_E.sub("", word)
    return _DOUBLED.sub(r"\1", _strip_arabic_article(word))


def _joined_step(text: str) -> str:
    text = _DOUBLED.sub(r"\1", text).replace("sh", "ch").replace("dj", "j")
    text = _strip_arabic_article(_DOUBLED.sub(r"\1", text.translate(_LATIN_SOUNDS)))
    # Again on the whole: words joined may start or end like a compound ("ab" "delkader"), and
    # a key must be its own key.
    return _compound_step(text)


def name_key(*parts: str | None) -> str:
    """The key of a name given in parts (first name, last name), in either script.

    Two spellings of one name get the same key: "Mohammed El Idrissi" and "Mohamed Idrissi"
    both give "muhamadidrisi". Parts are joined in the order given; compare both orders to
    ignore a first and last name swapped. An empty key means the name has no letters.
    """
    words = [
        _NOT_LETTER.sub("", w) for w in _NAME_SEPARATORS.split(fold(" ".join(filter(None, parts))))
    ]
    words = ["".join(group) for group in _compound_groups([w for w in words if w])]
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


def search_compounds(terms: list[str]) -> list[str]:
    """Search words with the words of one compound name joined, as name keys join them: typed
    "abdel kader", a file written "Abd El Kader" is found by the key of "abdelkader", which
    neither "abdel" nor "kader" alone would give. A compound left open at the end of what was
    typed ("abd el", while typing) stays in words, each found on its own."""
    found = []
    for group in _compound_groups(terms):
        joined = "".join(group)
        if len(group) > 1 and _COMPOUND_OPENER.fullmatch(joined):
            found.extend(group)
        else:
            found.append(joined)
    return found


def search_term_key(term: str) -> str:
    """The name key of one search word, or "" for a lone article ("el", "ال"), which names
    written without it would not contain."""
    letters = _NOT_LETTER.sub("", "".join(_NAME_SEPARATORS.split(fold(term))))
    if letters in _ARTICLES:
        return ""
    return name_key(term)
