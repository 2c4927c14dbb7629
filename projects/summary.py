"""The one-page summary of a person's file, printed from the file page: identity, current life
project with its budget, the decisions taken on it and the follow-up visits, Arabic first with
French beside. The detention record is printed only for the roles that may read it: the view
passes it or None, this module never reads it on its own."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy

from beneficiaries.models import Beneficiary, DetentionRecord
from projects.models import OPEN_STATUSES, BudgetLine, FollowUpVisit, LifeProject, Status
from projects.services import budget_total
from reintegration.formatting import format_date, format_datetime, format_mad, format_quantity
from reintegration.pdf import DOCUMENT_LANGUAGES, bilingual

LABELS = {
    "kingdom": gettext_lazy("Kingdom of Morocco"),
    "foundation": gettext_lazy("Mohammed VI Foundation for the Reintegration of Prisoners"),
    "title": gettext_lazy("File summary"),
    "printed": gettext_lazy("Printed on"),
    "identity": gettext_lazy("Identity"),
    "file_number": gettext_lazy("File number"),
    "name": gettext_lazy("Name"),
    "cin": gettext_lazy("CIN"),
    "birth": gettext_lazy("Date of birth"),
    "sex": gettext_lazy("Sex"),
    "phone": gettext_lazy("Phone"),
    "residence": gettext_lazy("Residence"),
    "track": gettext_lazy("Programme track"),
    "status": gettext_lazy("Status"),
    "centre": gettext_lazy("Centre"),
    "detention": gettext_lazy("Detention record"),
    "establishment": gettext_lazy("Establishment"),
    "period": gettext_lazy("Entry and release"),
    "sentence": gettext_lazy("Sentence (months)"),
    "training": gettext_lazy("Training followed in prison"),
    "project": gettext_lazy("Life project"),
    "no_project": gettext_lazy("No life project yet."),
    "trade": gettext_lazy("Trade"),
    "location": gettext_lazy("Location"),
    "handover": gettext_lazy("Equipment handed over"),
    "budget": gettext_lazy("Budget"),
    "designation": gettext_lazy("Designation"),
    "category": gettext_lazy("Category"),
    "quantity": gettext_lazy("Quantity"),
    "unit_price": gettext_lazy("Unit price"),
    "line_total": gettext_lazy("Total"),
    "requested": gettext_lazy("Requested total"),
    "approved": gettext_lazy("Approved total"),
    "decisions": gettext_lazy("Decisions"),
    "date": gettext_lazy("Date"),
    "decision": gettext_lazy("Decision"),
    "by": gettext_lazy("By"),
    "comment": gettext_lazy("Comment"),
    "visits": gettext_lazy("Follow-up visits"),
    "milestone": gettext_lazy("Milestone"),
    "due": gettext_lazy("Due on"),
    "done": gettext_lazy("Done on"),
    "business": gettext_lazy("Business active"),
    "income": gettext_lazy("Monthly income"),
    "other_projects": gettext_lazy("Earlier projects"),
    "yes": gettext_lazy("yes"),
    "no": gettext_lazy("no"),
    "reincarcerated": gettext_lazy("re-incarcerated"),
}

# Long comments are cut so that a typical file keeps to one page; the file page has them whole.
COMMENT_CHARACTERS = 160


def _names(instance: Any) -> dict[str, str]:
    if instance is None:
        return {"ar": "", "fr": ""}
    return {"ar": instance.name_ar, "fr": instance.name_fr}


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= COMMENT_CHARACTERS else text[: COMMENT_CHARACTERS - 1] + "…"


def current_project(beneficiary: Beneficiary) -> LifeProject | None:
    """The open project, else the latest one."""
    return (
        beneficiary.projects.select_related("trade__sector")
        .annotate(
            closed=Case(
                When(status__in=OPEN_STATUSES, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("closed", "-created_at", "-pk")
        .first()
    )


def _visit(visit: FollowUpVisit) -> dict[str, Any]:
    active = visit.business_active
    return {
        "milestone": visit.milestone_months,
        "due": format_date(visit.due_on, "ar", "short"),
        "done": format_date(visit.done_on, "ar", "short") if visit.done_on else "—",
        "kind": bilingual(FollowUpVisit.Kind(visit.kind).label) if visit.kind else None,
        "business": None if active is None else bilingual(LABELS["yes" if active else "no"]),
        "income": format_mad(visit.monthly_income, "ar")
        if visit.monthly_income is not None
        else "",
        "reincarcerated": format_date(visit.reincarcerated_on, "ar", "short")
        if visit.reincarcerated_on
        else "",
    }


def _project(project: LifeProject) -> dict[str, Any]:
    lines = list(project.lines.all())
    return {
        "title": project.title,
        "status": bilingual(Status(project.status).label),
        "trade": _names(project.trade),
        "sector": _names(project.trade.sector if project.trade else None),
        "location": project.location,
        "handover": format_date(project.handover_date, "ar", "short")
        if project.handover_date
        else "",
        "lines": [
            {
                "designation": line.designation,
                "category": bilingual(BudgetLine.Category(line.category).label),
                "quantity": format_quantity(line.quantity),
                "unit_price": format_mad(line.unit_price, "ar"),
                "total": format_mad(line.total, "ar"),
            }
            for line in lines
        ],
        "requested": {
            language: format_mad(budget_total(lines), language) for language in DOCUMENT_LANGUAGES
        },
        "approved": {
            language: format_mad(project.approved_total, language)
            for language in DOCUMENT_LANGUAGES
        }
        if project.approved_total
        else None,
        "decisions": [
            {
                "date": format_date(decision.created_at, "ar", "short"),
                "status": bilingual(Status(decision.to_status).label),
                "by": decision.actor.get_full_name() or decision.actor.username,
                "comment": _cut(decision.comment),
            }
            for decision in project.decisions.select_related("actor")
        ],
        "visits": [_visit(visit) for visit in project.visits.all()],
    }


def summary_context(
    beneficiary: Beneficiary, *, detention: DetentionRecord | None
) -> dict[str, Any]:
    """What the summary prints. ``detention`` is the record when the reader may see it (the
    view decides), else None: then nothing of it is read or printed."""
    project = current_project(beneficiary)
    earlier = (
        beneficiary.projects.exclude(pk=project.pk) if project else beneficiary.projects.none()
    )
    person = beneficiary
    return {
        "L": {key: bilingual(text) for key, text in LABELS.items()},
        "b": person,
        "centre": _names(person.centre),
        "province": _names(person.residence_province),
        "track": _names(person.track),
        "sex": bilingual(Beneficiary.Sex(person.sex).label),
        "person_status": bilingual(Beneficiary.Status(person.status).label),
        "birth": format_date(person.date_of_birth, "ar", "short"),
        "detention": {
            "establishment": _names(detention.establishment),
            "entry": format_date(detention.entry_date, "ar", "short"),
            "release": format_date(detention.release_date, "ar", "short"),
            "sentence": detention.sentence_months,
            "training": detention.training_in_prison,
        }
        if detention is not None
        else None,
        "project": _project(project) if project else None,
        "earlier": [
            {"title": p.title, "status": bilingual(Status(p.status).label)}
            for p in earlier.order_by("-created_at", "-pk")
        ],
        "printed": {
            language: format_datetime(timezone.now(), language) for language in DOCUMENT_LANGUAGES
        },
    }
