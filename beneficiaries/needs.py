"""Needs by life domain: the seven domains, the three scores, and the rules that read a
questionnaire and score its answers.

A questionnaire is data (``Questionnaire.definition``, loaded from a JSON file): its questions
per domain in Arabic, French and English, each with its answer choices and their points, and per
domain the two thresholds that turn the points into a score. Nothing here touches the database:
the migration that loads version 1, the command that loads a new version and the service that
records an assessment all call these functions, so a questionnaire is checked one way.

The scoring rule, the same for every domain and version: add the points of the chosen answers;
below ``amber_from`` the domain is green, from ``amber_from`` it is amber, from ``red_from`` it
is red. More points never give a better score (``tests/test_needs_rules.py``).

The definition's shape::

    {"code": "needs", "version": 2,
     "title": {"ar": "…", "fr": "…", "en": "…"},
     "domains": [
       {"domain": "housing", "amber_from": 1, "red_from": 3,
        "questions": [
          {"id": "housing_place", "text": {"ar": "…", "fr": "…", "en": "…"},
           "choices": [{"id": "own", "text": {…}, "points": 0}, …]}]},
       …one entry for each of the seven domains]}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from reintegration.refusals import Refused
from reintegration.text import INVISIBLE

LANGUAGES = ("ar", "fr", "en")
MAX_QUESTIONS = 10
MAX_CHOICES = 10
MAX_POINTS = 100
MAX_TEXT = 500
# Within every database's integer column, with room for a version a year for millennia.
MAX_VERSION = 9999
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class Domain(models.TextChoices):
    """The life domains (DOMAIN.md §6b), in the order pages show them."""

    HOUSING = "housing", gettext_lazy("Housing")
    INCOME_PAPERS = "income_papers", gettext_lazy("Income and identity papers")
    WORK = "work", gettext_lazy("Work and business")
    EDUCATION = "education", gettext_lazy("Education and training")
    HEALTH = "health", gettext_lazy("Health and addiction")
    FAMILY = "family", gettext_lazy("Family and children")
    ATTITUDES = "attitudes", gettext_lazy("Attitudes and behaviour")


class Score(models.TextChoices):
    GREEN = "green", gettext_lazy("No pressing need")
    AMBER = "amber", gettext_lazy("Some need")
    RED = "red", gettext_lazy("High need")


class Change(models.TextChoices):
    BETTER = "better", gettext_lazy("Better")
    SAME = "same", gettext_lazy("Same")
    WORSE = "worse", gettext_lazy("Worse")


DOMAINS: tuple[str, ...] = tuple(Domain.values)
# How serious each score is: the order that "better" and "worse" compare.
SEVERITY = {Score.GREEN: 0, Score.AMBER: 1, Score.RED: 2}


def grade(points: int, *, amber_from: int, red_from: int) -> str:
    """The score for a domain's points under its thresholds."""
    if points >= red_from:
        return Score.RED
    if points >= amber_from:
        return Score.AMBER
    return Score.GREEN


def change(before: str, after: str) -> str:
    """Whether a domain got better, stayed the same or got worse from one score to the next."""
    difference = SEVERITY[Score(after)] - SEVERITY[Score(before)]
    if difference < 0:
        return Change.BETTER
    return Change.WORSE if difference > 0 else Change.SAME


@dataclass(frozen=True)
class DomainResult:
    score: str
    points: int
    # The chosen answers of this domain's questions: question id -> choice id.
    answers: dict[str, str]


def questions(definition: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every question of the questionnaire by id, with the domain it belongs to."""
    found = {}
    for block in definition["domains"]:
        for question in block["questions"]:
            found[question["id"]] = {**question, "domain": block["domain"]}
    return found


def unanswered(definition: Mapping[str, Any], answers: Mapping[str, str]) -> list[str]:
    """The ids of the questions without a valid choice among ``answers``, in questionnaire
    order."""
    missing = []
    for question_id, question in questions(definition).items():
        chosen = answers.get(question_id)
        if chosen not in {choice["id"] for choice in question["choices"]}:
            missing.append(question_id)
    return missing


def score(definition: Mapping[str, Any], answers: Mapping[str, str]) -> dict[str, DomainResult]:
    """One score per domain, from complete answers (question id -> choice id), by the
    questionnaire's own rules. Answers to questions it does not ask are ignored."""
    missing = unanswered(definition, answers)
    if missing:
        raise ValueError(f"unanswered questions: {', '.join(missing)}")
    results = {}
    for block in definition["domains"]:
        points = 0
        chosen = {}
        for question in block["questions"]:
            choice_id = answers[question["id"]]
            points += next(c["points"] for c in question["choices"] if c["id"] == choice_id)
            chosen[question["id"]] = choice_id
        results[block["domain"]] = DomainResult(
            score=grade(points, amber_from=block["amber_from"], red_from=block["red_from"]),
            points=points,
            answers=chosen,
        )
    return results


def answered(
    definition: Mapping[str, Any], domain: str, answers: Mapping[str, str]
) -> list[tuple[str, str, int]]:
    """A domain's questions with the answers given (question, answer, points), in the
    questionnaire's order and the reader's language; "—" for a question left without answer."""
    rows = []
    for block in definition["domains"]:
        if block["domain"] != domain:
            continue
        for question in block["questions"]:
            chosen = answers.get(question["id"])
            choice = next((c for c in question["choices"] if c["id"] == chosen), None)
            rows.append(
                (
                    text(question["text"]),
                    text(choice["text"]) if choice else "—",
                    choice["points"] if choice else 0,
                )
            )
    return rows


def text(texts: Mapping[str, str], language: str | None = None) -> str:
    """A questionnaire's text in the reader's language (Arabic when it has none other)."""
    language = (language or get_language() or "ar").split("-")[0]
    return texts.get(language) or texts.get("ar") or next(iter(texts.values()), "")


# --- Checking a questionnaire ----------------------------------------------------------------


def validate(definition: Any) -> list[str]:
    """Every reason ``definition`` is not a questionnaire that can be loaded, in the active
    language; an empty list when it is one."""
    if not isinstance(definition, dict):
        return [_("The file must hold one JSON object.")]
    problems: list[str] = []
    code = definition.get("code")
    if not isinstance(code, str) or not IDENTIFIER.match(code):
        problems.append(
            _("“code” must be a short identifier in lower case letters, digits and “_”.")
        )
    version = definition.get("version")
    if not _whole(version) or not 1 <= version <= MAX_VERSION:
        problems.append(
            _("“version” must be a whole number from 1 to %(max)d.") % {"max": MAX_VERSION}
        )
    problems += _texts(definition.get("title"), _("the title"))
    blocks = definition.get("domains")
    if not isinstance(blocks, list):
        return [*problems, _("“domains” must be a list with one entry per domain.")]
    seen_domains: list[str] = []
    seen_questions: set[str] = set()
    for index, block in enumerate(blocks, start=1):
        where = _("domain entry %(number)d") % {"number": index}
        if not isinstance(block, dict):
            problems.append(_("%(where)s must be an object.") % {"where": where})
            continue
        domain = block.get("domain")
        if domain not in DOMAINS:
            problems.append(
                _("%(where)s: “domain” must be one of: %(domains)s.")
                % {"where": where, "domains": ", ".join(DOMAINS)}
            )
        elif domain in seen_domains:
            problems.append(_("The domain “%(domain)s” appears twice.") % {"domain": domain})
        else:
            seen_domains.append(domain)
            where = _("domain “%(domain)s”") % {"domain": domain}
        problems += _thresholds(block, where)
        problems += _questions(block.get("questions"), where, seen_questions)
    missing = [domain for domain in DOMAINS if domain not in seen_domains]
    if missing:
        problems.append(
            _("These domains have no questions: %(domains)s.") % {"domains": ", ".join(missing)}
        )
    return [capfirst(problem) for problem in problems]


def checked(definition: Any) -> dict[str, Any]:
    """``definition`` itself when it is a questionnaire that can be loaded; refused with every
    reason, one per line, otherwise."""
    problems = validate(definition)
    if problems:
        raise Refused("\n".join(problems))
    return definition


def _whole(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _thresholds(block: dict[str, Any], where: str) -> list[str]:
    amber, red = block.get("amber_from"), block.get("red_from")
    if not (_whole(amber) and _whole(red) and 1 <= amber <= red <= MAX_POINTS * MAX_QUESTIONS):
        return [
            _(
                "%(where)s: “amber_from” and “red_from” must be whole numbers with "
                "1 ≤ amber_from ≤ red_from."
            )
            % {"where": where}
        ]
    return []


def _texts(texts: Any, where: str) -> list[str]:
    if not isinstance(texts, dict) or set(texts) != set(LANGUAGES):
        return [
            _("%(where)s must have a text in each of ar, fr and en, and no other.")
            % {"where": where}
        ]
    if not all(
        isinstance(value, str) and 0 < len(value.strip()) <= MAX_TEXT for value in texts.values()
    ):
        return [
            _("%(where)s: each text must be written, in at most %(max)d characters.")
            % {"where": where, "max": MAX_TEXT}
        ]
    if any(INVISIBLE.intersection(value) for value in texts.values()):
        # What is typed on the pages is cleaned of these (reintegration/text.py); a file is
        # refused instead, so that its author sees what the forms would print.
        return [
            _("%(where)s: a text holds an invisible or direction-changing character; remove it.")
            % {"where": where}
        ]
    return []


def _identifier(identifier: Any, where: str, seen: set[str], twice: str) -> list[str]:
    """An id's problem, if any (``twice`` says it is used twice); a good one joins ``seen``."""
    if not isinstance(identifier, str) or not IDENTIFIER.match(identifier):
        return [
            _("%(where)s: “id” must be a short identifier in lower case letters, digits and “_”.")
            % {"where": where}
        ]
    if identifier in seen:
        return [twice % {"where": where, "id": identifier}]
    seen.add(identifier)
    return []


def _questions(items: Any, where: str, seen: set[str]) -> list[str]:
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_QUESTIONS:
        return [
            _("%(where)s: “questions” must be a list of 1 to %(max)d questions.")
            % {"where": where, "max": MAX_QUESTIONS}
        ]
    problems = []
    for number, question in enumerate(items, start=1):
        at = _("%(where)s, question %(number)d") % {"where": where, "number": number}
        if not isinstance(question, dict):
            problems.append(_("%(where)s must be an object.") % {"where": at})
            continue
        problems += _identifier(
            question.get("id"), at, seen, _("The question id “%(id)s” is used twice.")
        )
        problems += _texts(question.get("text"), at)
        problems += _choices(question.get("choices"), at)
    return problems


def _choices(items: Any, where: str) -> list[str]:
    if not isinstance(items, list) or not 2 <= len(items) <= MAX_CHOICES:
        return [
            _("%(where)s: “choices” must be a list of 2 to %(max)d answers.")
            % {"where": where, "max": MAX_CHOICES}
        ]
    problems = []
    seen: set[str] = set()
    for number, choice in enumerate(items, start=1):
        at = _("%(where)s, answer %(number)d") % {"where": where, "number": number}
        if not isinstance(choice, dict):
            problems.append(_("%(where)s must be an object.") % {"where": at})
            continue
        twice = _("%(where)s: the answer id “%(id)s” is used twice.")
        problems += _identifier(choice.get("id"), at, seen, twice)
        points = choice.get("points")
        if not _whole(points) or not 0 <= points <= MAX_POINTS:
            problems.append(
                _("%(where)s: “points” must be a whole number from 0 to %(max)d.")
                % {"where": at, "max": MAX_POINTS}
            )
        problems += _texts(choice.get("text"), at)
    return problems
