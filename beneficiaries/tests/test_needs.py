"""Needs assessments: loading questionnaire versions, recording an assessment, its pages, the
file's section with the change from the previous one, and the counts by domain."""

import copy
import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from beneficiaries import assessments, needs
from beneficiaries.models import Beneficiary, DomainScore, NeedsAssessment, Questionnaire
from beneficiaries.tests.factories import BeneficiaryFactory
from reintegration.formatting import format_date
from reintegration.models import AccessEntry, AuditEntry
from reintegration.refusals import Refused

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 10)


def v1() -> Questionnaire:
    return Questionnaire.objects.get(code="needs", version=1)


def answers_for(questionnaire: Questionnaire, pick: str = "first") -> dict[str, str]:
    """The first (no need) or last (most points) answer of every question."""
    index = 0 if pick == "first" else -1
    return {
        question_id: question["choices"][index]["id"]
        for question_id, question in needs.questions(questionnaire.definition).items()
    }


def record(person, by, *, pick="first", on=DAY, occasion="intake", questionnaire=None, **extra):
    questionnaire = questionnaire or v1()
    return assessments.assessment_record(
        beneficiary=person,
        questionnaire=questionnaire,
        occasion=occasion,
        assessed_on=on,
        answers={**answers_for(questionnaire, pick), **extra.pop("answers", {})},
        by=by,
        **extra,
    )


def version_two() -> dict:
    definition = copy.deepcopy(v1().definition)
    definition["version"] = 2
    housing = definition["domains"][0]
    housing["questions"][0]["text"] = {
        "ar": "ما هي وضعية السكن؟",
        "fr": "Quelle est la situation de logement ?",
        "en": "What is the housing situation?",
    }
    housing["questions"] = housing["questions"][:1]
    return definition


# --- Questionnaires ------------------------------------------------------------------------


def test_version_one_is_loaded_by_the_migration_and_in_use():
    questionnaire = assessments.active_questionnaire()
    assert (questionnaire.code, questionnaire.version, questionnaire.active) == ("needs", 1, True)
    assert needs.validate(questionnaire.definition) == []


def test_the_command_loads_a_new_version_and_retires_the_old_one(tmp_path):
    path = tmp_path / "needs-v2.json"
    path.write_text(json.dumps(version_two(), ensure_ascii=False), encoding="utf-8")
    out = StringIO()
    call_command("load_questionnaire", str(path), stdout=out)
    assert "Loaded needs version 2" in out.getvalue()
    assert list(Questionnaire.objects.values_list("version", "active")) == [(2, True), (1, False)]
    assert AuditEntry.objects.filter(action="questionnaire.loaded").count() == 1
    with pytest.raises(CommandError, match="Version 2 of the questionnaire “needs” is already"):
        call_command("load_questionnaire", str(path))


def test_the_command_refuses_a_malformed_file_with_every_reason(tmp_path):
    broken = version_two()
    broken["domains"] = broken["domains"][:6]
    broken["domains"][0]["questions"][0]["choices"] = broken["domains"][0]["questions"][0][
        "choices"
    ][:1]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("load_questionnaire", str(path))
    assert str(refused.value).splitlines()[1:] == [
        "- Domain “housing”, question 1: “choices” must be a list of 2 to 10 answers.",
        "- These domains have no questions: attitudes.",
    ]
    (tmp_path / "not.json").write_text("{oops", encoding="utf-8")
    with pytest.raises(CommandError, match="is not valid JSON"):
        call_command("load_questionnaire", str(tmp_path / "not.json"))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("load_questionnaire", str(tmp_path / "missing.json"))
    assert Questionnaire.objects.count() == 1


# --- Recording -----------------------------------------------------------------------------


def test_recording_scores_each_domain_by_the_questionnaires_rules(person, users):
    coordinator = users["coordinator"]
    assessment = record(person, coordinator, pick="last")
    scores = dict(assessment.scores.values_list("domain", "score"))
    assert scores == dict.fromkeys(needs.DOMAINS, "red")
    mixed = record(
        person,
        coordinator,
        on=DAY + datetime.timedelta(days=1),
        answers={"housing_place": "family", "papers_account": "no"},
    )
    scores = dict(mixed.scores.values_list("domain", "score"))
    assert scores["housing"] == scores["income_papers"] == "amber"
    assert scores["work"] == "green"
    entry = AuditEntry.objects.get(
        action="beneficiary.needs_assessed",
        changes__occasion="intake",
        changes__assessed_on="2026-03-11",
    )
    assert entry.target_id == str(person.pk)
    assert entry.changes["score_housing"] == "amber"


def test_only_the_most_recent_assessment_is_the_latest(person, users):
    coordinator = users["coordinator"]
    first = record(person, coordinator, on=DAY)
    second = record(person, coordinator, on=DAY + datetime.timedelta(days=30))
    # Typed afterwards but made earlier (before release): not the latest.
    earlier = record(
        person, coordinator, on=DAY - datetime.timedelta(days=60), occasion="before_release"
    )
    latest = NeedsAssessment.objects.filter(latest=True)
    assert list(latest.values_list("pk", flat=True)) == [second.pk]
    assert assessments.previous_of(second) == first
    assert assessments.previous_of(first) == earlier
    assert assessments.previous_of(earlier) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"answers": {"housing_place": "castle"}}, "Answer every question: 1 left unanswered."),
        ({"occasion": "whenever"}, "Choose when the assessment was made."),
        (
            {"on": timezone.localdate() + datetime.timedelta(days=1)},
            "The date of the assessment cannot be in the future.",
        ),
        (
            {"on": datetime.date(1980, 1, 1)},
            "The date of the assessment is before the person's birth.",
        ),
        ({"occasion": "visit"}, "Choose the follow-up visit the assessment was made at."),
        ({"visit_id": 1}, "Only an assessment made at a follow-up visit names a visit."),
    ],
)
def test_incomplete_or_wrong_assessments_are_refused_with_a_message(person, users, change, message):
    with translation.override("en"), pytest.raises(Refused) as refused:
        record(person, users["coordinator"], **change)
    assert refused.value.message == message
    assert not NeedsAssessment.objects.exists()


@pytest.mark.parametrize("role", ["regional", "official", "auditor"])
def test_only_those_who_write_to_the_file_record_an_assessment(person, users, role):
    with pytest.raises(Refused):
        record(person, users[role])


def test_another_centre_cannot_record_on_a_file_it_does_not_see(person, elsewhere):
    with pytest.raises(Refused):
        record(person, elsewhere["coordinator"])


def followed_visit(person, users):
    """A follow-up visit of the person's equipped project, recorded today."""
    from projects import services as project_services
    from projects.tests.factories import equipped, make_project

    project = equipped(make_project(person, users["coordinator"]), users, timezone.localdate())
    visit = project.visits.order_by("milestone_months").first()
    return project_services.visit_record(
        visit=visit,
        by=users["coordinator"],
        data={
            "done_on": timezone.localdate(),
            "kind": "workplace",
            "business_active": True,
            "monthly_income": Decimal("3200"),
            "equipment_in_use": True,
        },
    )


def test_an_assessment_at_a_visit_keeps_the_visit_once(person, users, convention):
    visit = followed_visit(person, users)
    made = record(
        person, users["coordinator"], occasion="visit", visit_id=visit.pk, on=visit.done_on
    )
    assert made.visit_id == visit.pk
    with translation.override("en"), pytest.raises(Refused) as refused:
        record(person, users["coordinator"], occasion="visit", visit_id=visit.pk, on=visit.done_on)
    assert refused.value.message == "The needs assessment of this visit is already recorded."
    other = BeneficiaryFactory(centre=person.centre, by=users["coordinator"])
    with translation.override("en"), pytest.raises(Refused) as refused:
        record(other, users["coordinator"], occasion="visit", visit_id=visit.pk)
    assert refused.value.message == "This follow-up visit is not one of this person's."


def test_an_assessment_at_a_visit_is_dated_the_visits_day(person, users, convention):
    # The form offers the visit's day; typed over, the assessment "at the 3-month visit"
    # would sort among the others by a day the visit did not happen.
    visit = followed_visit(person, users)
    with translation.override("en"):
        day = format_date(visit.done_on)
    with translation.override("en"), pytest.raises(Refused) as refused:
        record(
            person,
            users["coordinator"],
            occasion="visit",
            visit_id=visit.pk,
            on=visit.done_on - datetime.timedelta(days=30),
        )
    assert refused.value.message == (
        f"An assessment made at a follow-up visit is dated the day of the visit, {day}."
    )
    assert not NeedsAssessment.objects.exists()


def test_a_visit_not_yet_recorded_has_no_assessment(person, users, convention):
    from projects.tests.factories import equipped, make_project

    project = equipped(make_project(person, users["coordinator"]), users, timezone.localdate())
    with translation.override("en"), pytest.raises(Refused) as refused:
        record(person, users["coordinator"], occasion="visit", visit_id=project.visits.first().pk)
    assert refused.value.message == "Record the follow-up visit first, then its needs assessment."


# --- Pages ---------------------------------------------------------------------------------


def form_data(questionnaire, pick="first", **extra):
    return {
        "questionnaire": questionnaire.pk,
        "occasion": "intake",
        "assessed_on": "10/03/2026",
        **{f"q_{k}": v for k, v in answers_for(questionnaire, pick).items()},
        **extra,
    }


def test_the_form_records_an_assessment_and_the_file_shows_the_change(client, person, users):
    record(person, users["coordinator"], pick="last", on=datetime.date(2026, 1, 5))
    client.force_login(users["coordinator"])
    response = client.post(f"/beneficiaries/{person.pk}/needs/new/", form_data(v1()))
    assert response.status_code == 302
    assert response["Location"] == f"/beneficiaries/{person.pk}/#needs"
    with translation.override("en"):
        page = client.get(f"/beneficiaries/{person.pk}/")
    rows = page.context["needs_rows"]
    assert [(r.domain, r.score, r.previous, r.change) for r in rows] == [
        (domain, "green", "red", "better") for domain in needs.DOMAINS
    ]
    html = page.content.decode()
    assert 'id="needs-table"' in html
    assert page.context["needs_previous"].assessed_on == datetime.date(2026, 1, 5)


def test_a_form_with_missing_answers_keeps_what_was_typed(client, person, users):
    client.force_login(users["coordinator"])
    data = form_data(v1())
    del data["q_housing_place"]
    data["assessed_on"] = "09/03/2026"
    with translation.override("en"):
        response = client.post(f"/beneficiaries/{person.pk}/needs/new/", data)
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == ["q_housing_place"]
    html = response.content.decode()
    assert 'value="09/03/2026"' in html
    # Every answer given stays chosen, and so does the occasion.
    assert html.count("checked") == len(needs.questions(v1().definition)) - 1 + 1
    assert not NeedsAssessment.objects.exists()


def test_the_form_starts_with_no_answer_chosen(client, person, users):
    client.force_login(users["coordinator"])
    html = client.get(f"/beneficiaries/{person.pk}/needs/new/").content.decode()
    assert "checked" not in html
    assert html.count('type="radio"') == 2 + sum(
        len(q["choices"]) for q in needs.questions(v1().definition).values()
    )


def test_an_old_assessment_keeps_its_questions_after_a_new_version(client, person, users, tmp_path):
    old = record(person, users["coordinator"], answers={"housing_secure": "unsure"})
    path = tmp_path / "v2.json"
    path.write_text(json.dumps(version_two(), ensure_ascii=False), encoding="utf-8")
    call_command("load_questionnaire", str(path), stdout=StringIO())
    users["coordinator"].__class__.objects.filter(pk=users["coordinator"].pk).update(language="fr")
    client.force_login(users["coordinator"])
    page = client.get(f"/beneficiaries/{person.pk}/needs/{old.pk}/")
    html = page.content.decode()
    # In the reader's language (French), the questions of version 1.
    assert "Peut-elle rester dans ce logement pendant les six prochains mois ?" in html
    assert "Ce n&#x27;est pas sûr" in html
    assert "Quelle est la situation de logement ?" not in html
    new_form = client.get(f"/beneficiaries/{person.pk}/needs/new/").content.decode()
    assert "housing_secure" not in new_form
    assert AccessEntry.objects.filter(reference=f"needs:{old.pk}").count() == 1


def test_a_form_opened_before_a_new_version_is_saved_in_its_own(client, person, users, tmp_path):
    client.force_login(users["coordinator"])
    opened = v1()
    path = tmp_path / "v2.json"
    path.write_text(json.dumps(version_two(), ensure_ascii=False), encoding="utf-8")
    call_command("load_questionnaire", str(path), stdout=StringIO())
    assert (
        client.post(f"/beneficiaries/{person.pk}/needs/new/", form_data(opened)).status_code == 302
    )
    assert NeedsAssessment.objects.get().questionnaire == opened


def test_the_list_shows_every_assessment_with_its_change(client, person, users):
    record(person, users["coordinator"], pick="last", on=datetime.date(2026, 1, 5))
    record(person, users["coordinator"], on=datetime.date(2026, 2, 5))
    client.force_login(users["auditor"])
    page = client.get(f"/beneficiaries/{person.pk}/needs/")
    rows = page.context["rows"]
    assert [a.assessed_on for a, _rows in rows] == [
        datetime.date(2026, 2, 5),
        datetime.date(2026, 1, 5),
    ]
    assert {r.change for r in rows[0][1]} == {"better"}
    assert {r.change for r in rows[1][1]} == {None}
    # Auditors read; they do not record.
    assert not page.context["can_record"]


def test_the_visit_link_fixes_the_occasion_and_keeps_the_visit(client, person, users, convention):
    visit = followed_visit(person, users)
    client.force_login(users["coordinator"])
    url = f"/beneficiaries/{person.pk}/needs/new/?visit={visit.pk}"
    page = client.get(url)
    assert [c[0] for c in page.context["form"].fields["occasion"].choices] == ["visit"]
    data = form_data(
        v1(), occasion="visit", visit=visit.pk, assessed_on=visit.done_on.strftime("%d/%m/%Y")
    )
    assert client.post(url, data).status_code == 302
    made = NeedsAssessment.objects.get()
    assert made.visit == visit
    # The link followed again leads to the assessment already recorded.
    again = client.get(url)
    assert again["Location"] == f"/beneficiaries/{person.pk}/needs/{made.pk}/"
    assert client.get(f"/beneficiaries/{person.pk}/needs/new/?visit=99999").status_code == 404


def test_files_of_another_centre_and_their_assessments_are_not_found(
    client, person, users, elsewhere
):
    made = record(person, users["coordinator"])
    client.force_login(elsewhere["coordinator"])
    assert client.get(f"/beneficiaries/{person.pk}/needs/").status_code == 404
    assert client.get(f"/beneficiaries/{person.pk}/needs/{made.pk}/").status_code == 404
    other = BeneficiaryFactory(centre=elsewhere["centre"], by=elsewhere["coordinator"])
    # An assessment asked for through another person's file is not found either.
    assert client.get(f"/beneficiaries/{other.pk}/needs/{made.pk}/").status_code == 404


def test_headquarters_read_the_questionnaires(client, users):
    users["national"].__class__.objects.filter(pk=users["national"].pk).update(language="fr")
    client.force_login(users["national"])
    html = client.get("/beneficiaries/needs/questionnaires/").content
    assert "Où la personne habite-t-elle actuellement ?" in html.decode()


# --- Counts for a scope ------------------------------------------------------------------


def independent_counts(people):
    """By hand: each open file's most recent assessment (by date, then recording), scored."""
    counts = {d: {"red": 0, "amber": 0, "green": 0, "none": 0} for d in needs.DOMAINS}
    for person in people:
        if person.archived_at:
            continue
        mine = sorted(
            NeedsAssessment.objects.filter(beneficiary=person), key=lambda a: (a.assessed_on, a.pk)
        )
        if not mine:
            for domain in needs.DOMAINS:
                counts[domain]["none"] += 1
            continue
        for score in DomainScore.objects.filter(assessment=mine[-1]):
            counts[score.domain][score.score] += 1
    return counts


def test_the_counts_by_domain_match_an_independent_count(users, centre, elsewhere):
    from beneficiaries import services

    coordinator = users["coordinator"]
    people = [BeneficiaryFactory(centre=centre, by=coordinator) for _ in range(6)]
    record(people[0], coordinator, pick="last", on=datetime.date(2026, 1, 1))
    record(people[0], coordinator, on=datetime.date(2026, 2, 1))
    record(people[1], coordinator, pick="last")
    record(people[2], coordinator, answers={"housing_place": "family", "health_addiction": "yes"})
    record(people[3], coordinator, on=datetime.date(2026, 2, 1))
    record(
        people[3],
        coordinator,
        pick="last",
        on=datetime.date(2025, 12, 1),
        occasion="before_release",
    )
    record(people[4], coordinator, pick="last")
    services.beneficiary_archive(beneficiary=people[4], by=coordinator, reason="moved")
    theirs = BeneficiaryFactory(centre=elsewhere["centre"], by=elsewhere["coordinator"])
    record(theirs, elsewhere["coordinator"], pick="last")

    counted = assessments.needs_by_domain(Beneficiary.objects.visible_to(coordinator))
    expected = independent_counts(Beneficiary.objects.filter(centre=centre))
    assert {
        c.domain: {"red": c.red, "amber": c.amber, "green": c.green, "none": c.none}
        for c in counted
    } == expected
    assert [c.domain for c in counted] == list(needs.DOMAINS)
    housing = counted[0]
    assert (housing.red, housing.amber, housing.green, housing.none) == (1, 1, 2, 1)
    everywhere = assessments.needs_by_domain(Beneficiary.objects.visible_to(users["national"]))
    assert everywhere[0].red == 2


def test_the_counts_cost_two_queries_whatever_the_number_of_people(
    users, centre, django_assert_num_queries
):
    coordinator = users["coordinator"]
    for pick in ("first", "last", "last"):
        record(BeneficiaryFactory(centre=centre, by=coordinator), coordinator, pick=pick)
    with django_assert_num_queries(2):
        assessments.needs_by_domain(Beneficiary.objects.visible_to(coordinator))
    for _ in range(5):
        record(BeneficiaryFactory(centre=centre, by=coordinator), coordinator)
    with django_assert_num_queries(2):
        assessments.needs_by_domain(Beneficiary.objects.visible_to(coordinator))


def test_the_file_page_costs_the_same_with_more_assessments(
    client, person, users, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(users["coordinator"])
    record(person, users["coordinator"], on=datetime.date(2026, 1, 1))
    record(person, users["coordinator"], on=datetime.date(2026, 1, 2))
    client.get(f"/beneficiaries/{person.pk}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/beneficiaries/{person.pk}/")
    for day in range(3, 9):
        record(person, users["coordinator"], on=datetime.date(2026, 1, day))
    with CaptureQueriesContext(connection) as many:
        client.get(f"/beneficiaries/{person.pk}/needs/")
        client.get(f"/beneficiaries/{person.pk}/")
    with CaptureQueriesContext(connection) as list_few:
        client.get(f"/beneficiaries/{person.pk}/needs/")
    assert len(many) - len(list_few) == len(few)


def test_the_same_assessment_submitted_twice_is_recorded_once(person, users):
    # Save clicked twice: the second is refused rather than counted as a second assessment.
    record(person, users["coordinator"])
    with translation.override("en"), pytest.raises(Refused) as refused:
        record(person, users["coordinator"], pick="last")
    with translation.override("en"):
        day = format_date(DAY)
    assert refused.value.message == f"A needs assessment at intake is already recorded for {day}."
    assert NeedsAssessment.objects.count() == 1
    record(person, users["coordinator"], occasion="before_release")
    assert NeedsAssessment.objects.count() == 2
