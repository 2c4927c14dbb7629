"""The Unicode bidirectional algorithm (UAX #9) for one paragraph of known base direction, as
far as the documents drawn without a browser engine need it: strong letters (Latin, Arabic),
European and Arabic digits with their separators and terminators, neutrals, bracket pairs
(rule N0), and the isolates (LRI, RLI, FSI … PDI) that the project's formatting puts around
numbers and dates in Arabic text. Explicit embeddings and overrides (LRE, RLE, LRO, RLO, PDF)
are not used by the project: they are dropped like boundary neutrals.

``levels`` gives the embedding level of each character; ``visual_order`` the order in which the
characters of one line are drawn from left to right (rule L2)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
ISOLATES = frozenset((LRI, RLI, FSI))
# Characters that take no part in the layout: isolates, marks and embeddings. Callers drop them
# before shaping; their levels are still given so that indices stay aligned.
CONTROLS = frozenset(
    (LRI, RLI, FSI, PDI, "\u200e", "\u200f", "\u061c", *"\u202a\u202b\u202c\u202d\u202e")
)
NEUTRAL = frozenset(("B", "S", "WS", "ON", "LRI", "RLI", "FSI", "PDI"))
BRACKETS = {"(": ")", "[": "]", "{": "}", "«": "»", "‹": "›"}
CLOSING = {closing: opening for opening, closing in BRACKETS.items()}


def _strong(kind: str) -> str | None:
    """The direction a resolved type counts as for the neutral rules (N0, N1)."""
    if kind == "L":
        return "L"
    if kind in ("R", "AL", "EN", "AN"):
        return "R"
    return None


def _first_strong(text: str) -> bool:
    """Whether the first strong letter of ``text`` is right-to-left, skipping what nested
    isolates enclose and stopping at the PDI that closes ``text``'s own isolate (rule P2)."""
    depth = 0
    for char in text:
        if char in ISOLATES:
            depth += 1
        elif char == PDI:
            if not depth:
                break
            depth -= 1
        elif not depth:
            kind = unicodedata.bidirectional(char)
            if kind in ("R", "AL"):
                return True
            if kind == "L":
                return False
    return False


def _isolate_ends(text: str) -> dict[int, int]:
    """The index of the PDI matching each isolate initiator (or the end of the text)."""
    ends: dict[int, int] = {}
    stack: list[int] = []
    for index, char in enumerate(text):
        if char in ISOLATES:
            stack.append(index)
        elif char == PDI and stack:
            ends[stack.pop()] = index
    for start in stack:
        ends[start] = len(text)
    return ends


def levels(text: str, rtl: bool) -> list[int]:
    """The resolved embedding level of each character of a paragraph whose base direction is
    right-to-left (``rtl``) or left-to-right."""
    result = [0] * len(text)
    base = 1 if rtl else 0
    _resolve(text, list(range(len(text))), base, _isolate_ends(text), result)
    # L1: the spaces and isolate controls that end the paragraph take its level.
    end = len(text)
    while end and (text[end - 1] in CONTROLS or unicodedata.bidirectional(text[end - 1]) == "WS"):
        end -= 1
        result[end] = base
    return result


def _resolve(
    text: str, indices: list[int], level: int, ends: dict[int, int], result: list[int]
) -> None:
    """Resolve the characters ``indices`` of ``text`` (one isolating run sequence and what it
    isolates) at embedding ``level``."""
    sequence: list[int] = []  # the characters of this level, isolated content skipped
    position = 0
    while position < len(indices):
        index = indices[position]
        sequence.append(index)
        if text[index] in ISOLATES:
            end = ends[index]
            inner = [i for i in indices[position + 1 :] if i < end]
            first_strong = text[index] == FSI and _first_strong(text[index + 1 : end])
            rtl = first_strong or text[index] == RLI
            inner_level = level + 1 + ((level + 1) % 2 != rtl)
            _resolve(text, inner, inner_level, ends, result)
            position += len(inner) + 1
        else:
            position += 1
    kinds = [_kind(text[i]) for i in sequence]
    embedding = "R" if level % 2 else "L"
    _weak(kinds, embedding)
    _brackets(text, sequence, kinds, embedding)
    _neutrals(kinds, embedding)
    for index, kind in zip(sequence, kinds, strict=True):
        if level % 2 == 0:
            result[index] = level + {"R": 1, "AN": 2, "EN": 2}.get(kind, 0)
        else:
            result[index] = level + (1 if kind in ("L", "EN", "AN") else 0)


def _kind(char: str) -> str:
    kind = unicodedata.bidirectional(char) or "L"
    if kind in ("LRE", "RLE", "LRO", "RLO", "PDF"):
        return "BN"
    return kind


def _weak(kinds: list[str], embedding: str) -> None:
    """Rules W1 to W7, with boundary neutrals (BN) ignored, as X9 removes them."""
    previous = embedding
    strong = embedding
    for i, kind in enumerate(kinds):
        if kind == "NSM":  # W1
            kind = "ON" if previous in ("LRI", "RLI", "FSI", "PDI") else previous
        if kind == "EN" and strong == "AL":  # W2
            kind = "AN"
        if kind in ("L", "R", "AL"):
            strong = kind
        if kind != "BN":
            previous = kind  # as W1 sees it: before W3
        kinds[i] = "R" if kind == "AL" else kind  # W3
    real = [i for i, kind in enumerate(kinds) if kind != "BN"]
    for before, middle, after in zip(real, real[1:], real[2:], strict=False):  # W4
        outer = kinds[before]
        if outer == kinds[after] and (
            (kinds[middle] == "ES" and outer == "EN")
            or (kinds[middle] == "CS" and outer in ("EN", "AN"))
        ):
            kinds[middle] = outer
    for position, i in enumerate(real):  # W5: terminators next to European digits
        if kinds[i] != "ET":
            continue
        run_end = position
        while run_end < len(real) and kinds[real[run_end]] == "ET":
            run_end += 1
        run_start = position
        while run_start > 0 and kinds[real[run_start - 1]] == "ET":
            run_start -= 1
        touches = (run_start > 0 and kinds[real[run_start - 1]] == "EN") or (
            run_end < len(real) and kinds[real[run_end]] == "EN"
        )
        if touches:
            kinds[i] = "EN"
    for i in real:  # W6
        if kinds[i] in ("ES", "ET", "CS"):
            kinds[i] = "ON"
    strong = embedding
    for i, kind in enumerate(kinds):  # W7
        if kind in ("L", "R"):
            strong = kind
        elif kind == "EN" and strong == "L":
            kinds[i] = "L"
    for i, kind in enumerate(kinds):
        if kind == "BN":  # takes the type of what precedes it, or counts as a neutral
            kinds[i] = kinds[i - 1] if i else "ON"


def _brackets(text: str, sequence: list[int], kinds: list[str], embedding: str) -> None:
    """Rule N0: a pair of brackets takes the direction of what it encloses, or of its
    context when it encloses only the opposite direction."""
    pairs: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    for position, index in enumerate(sequence):
        char = text[index]
        if kinds[position] != "ON":
            continue
        if char in BRACKETS:
            if len(stack) == 63:
                break
            stack.append((BRACKETS[char], position))
        elif char in CLOSING:
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == char:
                    pairs.append((stack[depth][1], position))
                    del stack[depth:]
                    break
    opposite = "R" if embedding == "L" else "L"
    for opening, closing in sorted(pairs):
        inside = {_strong(kind) for kind in kinds[opening + 1 : closing]}
        if embedding in inside:
            direction = embedding
        elif opposite in inside:
            before = next((_strong(k) for k in reversed(kinds[:opening]) if _strong(k)), embedding)
            direction = opposite if before == opposite else embedding
        else:
            continue
        kinds[opening] = kinds[closing] = direction


def _neutrals(kinds: list[str], embedding: str) -> None:
    """Rules N1 and N2: a run of neutrals between two of one direction takes it, any other
    the embedding direction."""
    i = 0
    while i < len(kinds):
        if kinds[i] not in NEUTRAL:
            i += 1
            continue
        end = i
        while end < len(kinds) and kinds[end] in NEUTRAL:
            end += 1
        before = _strong(kinds[i - 1]) if i else embedding
        after = _strong(kinds[end]) if end < len(kinds) else embedding
        kinds[i:end] = [before if before == after and before else embedding] * (end - i)
        i = end


def visual_order(line_levels: Sequence[int]) -> list[int]:
    """Rule L2: the indices of a line's characters in the order they are drawn, from left to
    right."""
    order = list(range(len(line_levels)))
    if not line_levels:
        return order
    highest = max(line_levels)
    lowest_odd = min(level for level in line_levels) | 1
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if line_levels[order[i]] >= level:
                end = i
                while end < len(order) and line_levels[order[end]] >= level:
                    end += 1
                order[i:end] = reversed(order[i:end])
                i = end
            else:
                i += 1
    return order
