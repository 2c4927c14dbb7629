"""Needs assessments on a person's file: the list, one assessment in its own questionnaire
version, the form that records a new one, and the questionnaires headquarters read."""

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from beneficiaries import assessments, needs, permissions
from beneficiaries.forms import AssessmentForm
from beneficiaries.models import Beneficiary, DomainScore, NeedsAssessment, Questionnaire
from reintegration import access_log
from reintegration.access_log import Kind
from reintegration.permissions import allow, requires
from reintegration.refusals import refusal_shown_on
from reintegration.scoping import get_visible_or_404


def _person(request, pk) -> Beneficiary:
    return get_visible_or_404(Beneficiary.objects.select_related("centre"), request.user, pk=pk)


@requires(permissions.can_view_assessments)
def needs_list(request, pk):
    person = _person(request, pk)
    found = list(assessments.assessments_of(person))
    # Each assessment beside the one before it (the list is newest first).
    rows = [
        (
            assessment,
            assessments.domain_rows(assessment, found[i + 1] if i + 1 < len(found) else None),
        )
        for i, assessment in enumerate(found)
    ]
    access_log.record(Kind.FILE, by=request.user, file_number=person.file_number, reference="needs")
    return render(
        request,
        "beneficiaries/needs/list.html",
        {
            "b": person,
            "rows": rows,
            "domains": needs.Domain.choices,
            "can_record": permissions.can_record_assessment(request.user, person),
        },
    )


@requires(permissions.can_view_assessments)
def needs_detail(request, pk, assessment_pk):
    person = _person(request, pk)
    assessment = get_visible_or_404(
        NeedsAssessment.objects.select_related(
            "questionnaire", "recorded_by", "visit__project"
        ).prefetch_related(Prefetch("scores", queryset=DomainScore.objects.order_by("pk"))),
        request.user,
        pk=assessment_pk,
        beneficiary=person,
    )
    previous = assessments.previous_of(assessment)
    rows = assessments.domain_rows(assessment, previous)
    by_domain = {score.domain: score for score in assessment.scores.all()}
    sections = [
        (row, assessments.answered_questions(assessment, by_domain[row.domain])) for row in rows
    ]
    access_log.record(
        Kind.FILE,
        by=request.user,
        file_number=person.file_number,
        reference=f"needs:{assessment.pk}",
    )
    return render(
        request,
        "beneficiaries/needs/detail.html",
        {"b": person, "assessment": assessment, "previous": previous, "sections": sections},
    )


@requires(permissions.can_view_assessments)
def needs_new(request, pk):
    person = _person(request, pk)
    allow(permissions.can_record_assessment, request.user, person)
    data = request.POST if request.method == "POST" else None
    visit = _visit(person, (data or request.GET).get("visit"))
    made = getattr(visit, "needs_assessment", None) if visit is not None else None
    if made is not None:
        # Its assessment is already recorded (a colleague, or the link followed twice).
        messages.info(request, _("The needs assessment of this visit is already recorded."))
        return redirect("needs_detail", pk=person.pk, assessment_pk=made.pk)
    questionnaire = _questionnaire(data)
    form = AssessmentForm(data, questionnaire=questionnaire, visit=visit)
    if data is not None and form.is_valid():
        with refusal_shown_on(form):
            assessments.assessment_record(
                beneficiary=person,
                questionnaire=questionnaire,
                occasion=form.cleaned_data["occasion"],
                assessed_on=form.cleaned_data["assessed_on"],
                answers=form.answers(),
                by=request.user,
                visit_id=visit.pk if visit else None,
            )
            messages.success(request, _("The needs assessment was recorded."))
            return redirect(f"{reverse('beneficiary_detail', args=[person.pk])}#needs")
    back = (
        reverse("project_detail", args=[visit.project_id])
        if visit is not None
        else reverse("beneficiary_detail", args=[person.pk])
    )
    return render(
        request,
        "beneficiaries/needs/form.html",
        {"b": person, "form": form, "visit": visit, "questionnaire": questionnaire, "back": back},
        status=400 if data is not None else 200,
    )


def _questionnaire(data) -> Questionnaire:
    """The version the form was opened in (kept through a new version's loading, so that what
    was typed is not lost), else the active one."""
    versions = Questionnaire.objects.all()
    chosen = data.get("questionnaire") if data else None
    found = versions.filter(pk=chosen).first() if chosen and str(chosen).isdigit() else None
    found = found or assessments.active_questionnaire()
    if found is None:
        raise Http404("no needs questionnaire is loaded")
    return found


def _visit(person: Beneficiary, visit_id):
    """The person's follow-up visit the assessment is made at, from the link on the visit's
    page; none when the link names none (a 404 for another person's visit)."""
    if not visit_id:
        return None
    if not str(visit_id).isdigit():
        raise Http404
    visit_model = NeedsAssessment._meta.get_field("visit").related_model
    visit = (
        visit_model._default_manager.filter(pk=visit_id, project__beneficiary=person)
        .select_related("project", "needs_assessment")
        .first()
    )
    if visit is None:
        raise Http404
    return visit


@requires(permissions.can_view_questionnaires)
def questionnaire_list(request):
    versions = Questionnaire.objects.order_by("code", "-version")
    return render(
        request,
        "beneficiaries/needs/questionnaires.html",
        {"versions": [(q, _blocks(q)) for q in versions]},
    )


def _blocks(questionnaire: Questionnaire) -> list[dict]:
    order = {domain: index for index, domain in enumerate(needs.DOMAINS)}
    blocks = sorted(questionnaire.definition["domains"], key=lambda b: order[b["domain"]])
    return [
        {
            "label": needs.Domain(block["domain"]).label,
            "amber_from": block["amber_from"],
            "red_from": block["red_from"],
            "questions": [
                {
                    "text": needs.text(question["text"]),
                    "choices": [(needs.text(c["text"]), c["points"]) for c in question["choices"]],
                }
                for question in block["questions"]
            ],
        }
        for block in blocks
    ]
