"""The rules of needs assessments (beneficiaries/needs.py): checking a questionnaire and
scoring its answers, one score per domain, never better for more points."""

import copy
import json
from pathlib import Path

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from beneficiaries import needs
from reintegration.refusals import Refused

V1 = json.loads(
    (Path(needs.__file__).parent / "questionnaires" / "needs-v1.json").read_text("utf-8")
)
SEVERITY = {"green": 0, "amber": 1, "red": 2}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@st.composite
def questionnaires(draw):
    """Any well-formed questionnaire: every domain, 1 to 4 questions each, 2 to 4 answers
    each with 0 to 5 points, thresholds 1 ≤ amber ≤ red."""
    label = {"ar": "س", "fr": "q", "en": "q"}
    blocks = []
    for d, domain in enumerate(needs.DOMAINS):
        questions = []
        for q in range(draw(st.integers(1, 4))):
            points = draw(st.lists(st.integers(0, 5), min_size=2, max_size=4))
            questions.append(
                {
                    "id": f"d{d}_q{q}",
                    "text": label,
                    "choices": [
                        {"id": f"c{c}", "text": label, "points": p} for c, p in enumerate(points)
                    ],
                }
            )
        amber = draw(st.integers(1, 12))
        red = draw(st.integers(amber, 15))
        blocks.append(
            {"domain": domain, "amber_from": amber, "red_from": red, "questions": questions}
        )
    return {"code": "needs", "version": 1, "title": label, "domains": blocks}


@st.composite
def answered(draw, questionnaire=None):
    definition = questionnaire or draw(questionnaires())
    answers = {
        question_id: draw(st.sampled_from([c["id"] for c in question["choices"]]))
        for question_id, question in needs.questions(definition).items()
    }
    return definition, answers


def test_version_one_is_a_questionnaire_that_can_be_loaded():
    assert needs.validate(V1) == []
    # 2 to 4 questions per domain, each text in the three languages.
    for block in V1["domains"]:
        assert 2 <= len(block["questions"]) <= 4


@settings(max_examples=150, deadline=None)
@given(questionnaires())
def test_every_generated_questionnaire_passes_the_check(definition):
    assert needs.validate(definition) == []


@settings(max_examples=200, deadline=None)
@given(answered())
def test_every_answer_set_gets_exactly_one_score_per_domain(case):
    definition, answers = case
    results = needs.score(definition, answers)
    assert sorted(results) == sorted(needs.DOMAINS)
    for result in results.values():
        assert result.score in {"red", "amber", "green"}


@settings(max_examples=200, deadline=None)
@given(answered(questionnaire=V1))
def test_version_one_scores_every_answer_set(case):
    definition, answers = case
    assert len(needs.score(definition, answers)) == len(needs.DOMAINS)


@settings(max_examples=200, deadline=None)
@given(answered(), st.data())
def test_choosing_answers_worth_more_points_never_improves_a_domain(case, data):
    definition, answers = case
    worse = dict(answers)
    for question_id, question in needs.questions(definition).items():
        current = next(c for c in question["choices"] if c["id"] == answers[question_id])
        heavier = [c["id"] for c in question["choices"] if c["points"] >= current["points"]]
        worse[question_id] = data.draw(st.sampled_from(heavier))
    before, after = needs.score(definition, answers), needs.score(definition, worse)
    for domain in needs.DOMAINS:
        assert after[domain].points >= before[domain].points
        assert SEVERITY[after[domain].score] >= SEVERITY[before[domain].score]
        assert needs.change(before[domain].score, after[domain].score) in {"same", "worse"}


@given(st.integers(0, 50), st.integers(1, 20), st.integers(0, 20), st.integers(0, 20))
def test_the_grade_rises_with_the_points_and_falls_with_the_thresholds(points, amber, gap, more):
    red = amber + gap
    assert (
        SEVERITY[needs.grade(points + more, amber_from=amber, red_from=red)]
        >= SEVERITY[needs.grade(points, amber_from=amber, red_from=red)]
    )
    assert (
        SEVERITY[needs.grade(points, amber_from=amber + more, red_from=red + more)]
        <= SEVERITY[needs.grade(points, amber_from=amber, red_from=red)]
    )


def test_the_thresholds_decide_the_colour():
    assert needs.grade(0, amber_from=1, red_from=3) == "green"
    assert needs.grade(1, amber_from=1, red_from=3) == "amber"
    assert needs.grade(2, amber_from=1, red_from=3) == "amber"
    assert needs.grade(3, amber_from=1, red_from=3) == "red"


def test_change_compares_scores_by_how_serious_they_are():
    assert needs.change("red", "amber") == "better"
    assert needs.change("green", "green") == "same"
    assert needs.change("amber", "red") == "worse"


def test_scoring_refuses_incomplete_answers():
    with pytest.raises(ValueError, match="housing_place"):
        needs.score(V1, {})


def test_a_malformed_questionnaire_is_refused_with_every_reason():
    broken = copy.deepcopy(V1)
    broken["version"] = 0
    broken["domains"] = broken["domains"][1:]  # no housing
    broken["domains"][0]["red_from"] = 0
    broken["domains"][0]["questions"][0]["choices"][0]["points"] = -1
    broken["domains"][0]["questions"][1]["id"] = broken["domains"][0]["questions"][0]["id"]
    del broken["domains"][1]["questions"][0]["text"]["fr"]
    problems = needs.validate(broken)
    assert problems == [
        "“version” must be a whole number from 1 to 9999.",
        "Domain “income_papers”: “amber_from” and “red_from” must be whole numbers with "
        "1 ≤ amber_from ≤ red_from.",
        "Domain “income_papers”, question 1, answer 1: “points” must be a whole number from 0 "
        "to 100.",
        "The question id “papers_cnie” is used twice.",
        "Domain “work”, question 1 must have a text in each of ar, fr and en, and no other.",
        "These domains have no questions: housing.",
    ]
    with pytest.raises(Refused) as refused:
        needs.checked(broken)
    assert refused.value.message.splitlines() == problems


def test_something_other_than_an_object_is_refused():
    assert needs.validate([1, 2]) == ["The file must hold one JSON object."]
    assert needs.validate({"code": "needs", "version": 2, "title": V1["title"]})[-1] == (
        "“domains” must be a list with one entry per domain."
    )


def test_texts_fall_back_to_arabic():
    assert needs.text({"ar": "نعم", "fr": "Oui", "en": "Yes"}, "fr") == "Oui"
    assert needs.text({"ar": "نعم", "fr": "", "en": "Yes"}, "fr") == "نعم"


def test_a_text_with_an_invisible_or_direction_changing_character_is_refused():
    # A U+202E in a question would print what follows it backwards on every form and PDF.
    odd = copy.deepcopy(V1)
    odd["domains"][0]["questions"][0]["text"]["ar"] = "أين تسكن\u202e؟"
    odd["domains"][0]["questions"][0]["choices"][1]["text"]["fr"] = "Chez\u200b ses parents"
    assert needs.validate(odd) == [
        "Domain “housing”, question 1: a text holds an invisible or direction-changing "
        "character; remove it.",
        "Domain “housing”, question 1, answer 2: a text holds an invisible or "
        "direction-changing character; remove it.",
    ]
    # Line breaks and HTML are text like any other (the pages escape it).
    fine = copy.deepcopy(V1)
    fine["domains"][0]["questions"][0]["text"]["fr"] = "<b>Où</b> vit-il ?"
    assert needs.validate(fine) == []


def test_a_version_too_large_for_the_database_is_refused():
    # PostgreSQL's integer column stops at 2**31 - 1: a typo of a few digits more failed the
    # load with a database error instead of saying what is wrong.
    huge = copy.deepcopy(V1)
    huge["version"] = 2**40
    assert needs.validate(huge) == ["“version” must be a whole number from 1 to 9999."]
    assert needs.validate({**V1, "version": 9999}) == []
