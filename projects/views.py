from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from django.contrib import messages
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from beneficiaries import permissions as file_permissions
from beneficiaries.models import Beneficiary
from beneficiaries.selectors import detention_for_reader
from casework import presenting
from partners import services as ledger
from partners.models import Convention
from projects import permissions, services, summary
from projects.forms import (
    ApproveForm,
    BudgetFormSet,
    BudgetLineForm,
    BudgetVersionForm,
    CloseForm,
    CommentForm,
    ProjectForm,
    VisitForm,
)
from projects.models import LifeProject, Status
from projects.needs import visit_recorded_message
from projects.placements import visit_placements, visit_record_with_checks
from projects.referral_forms import VisitPlacementsForm
from reintegration import access_log
from reintegration.access_log import Kind
from reintegration.concurrency import CONCURRENT_EDIT, posted_version
from reintegration.confirmation import Confirmation, code, is_confirmed, pending, person_name
from reintegration.formatting import format_mad
from reintegration.pagination import WORKLIST_PAGE_SIZE, paginate
from reintegration.pdf import pdf_response, render_pdf
from reintegration.permissions import allow, requires
from reintegration.refusals import refusal_shown_on
from reintegration.scoping import get_visible_or_404


def _get_project(request, pk) -> LifeProject:
    return get_visible_or_404(
        LifeProject.objects.select_related(
            "beneficiary__centre", "beneficiary__track", "trade__sector"
        ),
        request.user,
        pk=pk,
    )


@requires(permissions.can_view_projects)
def project_list(request):
    projects = LifeProject.objects.visible_to(request.user).select_related(
        "beneficiary__centre", "trade"
    )
    status = request.GET.get("status", "")
    if status in Status.values:
        projects = projects.filter(status=status)
    # Returned projects need the centre's attention first, then the newest.
    projects = projects.annotate(
        returned_first=Case(
            When(status=Status.RETURNED, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("returned_first", "-updated_at", "-pk")
    page = paginate(request, projects)
    return render(
        request,
        "projects/list.html",
        {"page": page, "status": status, "statuses": Status.choices},
    )


# What a row of the inbox shows; the rest of the project and of the file is not read.
INBOX_COLUMNS = (
    "title",
    "requested_total",
    "submitted_at",
    "trade__name_ar",
    "trade__name_fr",
    "beneficiary__file_number",
    "beneficiary__first_name_ar",
    "beneficiary__last_name_ar",
    "beneficiary__first_name_latin",
    "beneficiary__last_name_latin",
    "beneficiary__centre__name_ar",
    "beneficiary__centre__name_fr",
    "beneficiary__track__name_ar",
    "beneficiary__track__name_fr",
    "beneficiary__track__ceiling",
)


@requires(permissions.can_use_inbox)
def approval_inbox(request):
    """What waits for this approver, oldest first."""
    waiting = services.approval_waiting(request.user)
    # Paginate on primary keys, then load the page's rows with their joins: counting and
    # ordering then read indexes only, not the region's files (docs/benchmarks.md).
    ordered = waiting.order_by("submitted_at", "pk").values_list("pk", flat=True)
    page = paginate(request, ordered, per_page=WORKLIST_PAGE_SIZE)
    rows = (
        LifeProject.objects.select_related("beneficiary__centre", "beneficiary__track", "trade")
        .only(*INBOX_COLUMNS)
        .in_bulk(list(page.object_list))
    )
    page.object_list = [rows[pk] for pk in page.object_list]
    today = timezone.localdate()
    for project in page.object_list:
        project.days_waiting = (today - timezone.localdate(project.submitted_at)).days
    return render(request, "projects/inbox.html", {"page": page})


@requires(permissions.can_view_projects)
def project_create(request, beneficiary_pk):
    beneficiary = get_visible_or_404(
        Beneficiary.objects.select_related("track"), request.user, pk=beneficiary_pk
    )
    allow(permissions.can_create_project, request.user, beneficiary)
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            project = services.project_create(
                beneficiary=beneficiary, by=request.user, data=form.cleaned_data
            )
            messages.success(request, _("Project created: now add its budget lines."))
            return redirect("project_detail", pk=project.pk)
    return render(request, "projects/form.html", {"form": form, "b": beneficiary})


def _handover(project):
    # Handovers belong to the ceremonies app, above this one: reached through the relation it
    # declares rather than by importing it.
    handovers = LifeProject._meta.get_field("handover").related_model._default_manager
    return handovers.filter(project=project).select_related("ceremony").first()


@requires(permissions.can_view_projects)
def project_detail(request, pk):
    return _render_detail(request, _get_project(request, pk))


def _render_detail(request, project, *, decision_form=None, status=200):
    """The project page; after a refused decision it shows the bound form again, so the
    comment, the split and the amounts typed are not lost."""
    user = request.user
    visible_conventions = set(Convention.objects.visible_to(user).values_list("pk", flat=True))
    return render(
        request,
        "projects/detail.html",
        {
            "visible_conventions": visible_conventions,
            "project": project,
            "b": project.beneficiary,
            "lines": project.lines.all(),
            "allocations": project.allocations.select_related("convention"),
            "decisions": project.decisions.select_related("actor"),
            "visits": project.visits.select_related("recorded_by"),
            "handover": _handover(project),
            "actions": permissions.allowed_actions(user, project),
            "can_edit": permissions.can_edit_project(user, project),
            "can_record_visit": permissions.can_record_visit(user, project),
            "line_form": BudgetLineForm(initial={"version": project.version}),
            "comment_form": (None if isinstance(decision_form, CloseForm) else decision_form)
            or (
                ApproveForm(project=project)
                if "approve" in permissions.allowed_actions(user, project)
                and permissions.is_final_approval(project)
                else CommentForm()
            ),
            # What was typed to close comes back with its errors.
            "close_form": decision_form if isinstance(decision_form, CloseForm) else CloseForm(),
            "today": timezone.localdate(),
            **presenting.project_page(user, project),
        },
        status=status,
    )


@requires(permissions.can_view_projects)
def project_edit(request, pk):
    project = _get_project(request, pk)
    allow(permissions.can_edit_project, request.user, project)
    form = ProjectForm(request.POST or None, instance=project)
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            services.project_update(
                project=project,
                by=request.user,
                data=form.cleaned_data,
                version=form.cleaned_data.get("version") or 0,
            )
            messages.success(request, _("The project was saved."))
            return redirect("project_detail", pk=project.pk)
    return render(
        request, "projects/form.html", {"form": form, "b": project.beneficiary, "project": project}
    )


@requires(permissions.can_view_projects)
def budget_line(request, pk, line_pk=None):
    project = _get_project(request, pk)
    allow(permissions.can_edit_project, request.user, project)
    line = get_object_or_404(project.lines, pk=line_pk) if line_pk else None
    form = BudgetLineForm(
        request.POST or None, instance=line, initial={"version": project.version}, project=project
    )
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            services.budget_line_save(
                project=project,
                by=request.user,
                data=form.cleaned_data,
                version=form.cleaned_data["version"],
                line=line,
            )
            _warn_over_ceiling(request, project)
            return redirect("project_detail", pk=project.pk)
    return render(
        request, "projects/line_form.html", {"form": form, "project": project, "line": line}
    )


@require_http_methods(["GET", "POST"])
@requires(permissions.can_view_projects)
def budget_lines(request, pk):
    """All the budget lines on one page: change several, add new ones, tick some to remove,
    saved together. Removing asks first, on the same page with what was typed kept."""
    project = _get_project(request, pk)
    allow(permissions.can_edit_project, request.user, project)
    data = request.POST if request.method == "POST" else None
    version_form = BudgetVersionForm(data, initial={"version": project.version})
    formset = BudgetFormSet(data, project=project, prefix="lines")
    removal = None
    if data is not None and version_form.is_valid() and formset.is_valid():
        saved, removed = formset.changes()
        if not saved and not removed:
            messages.info(request, _("Nothing was changed in the budget."))
            return redirect("project_detail", pk=project.pk)
        if removed and request.POST.get("confirmed") != "1":
            removal = {
                "lines": removed,
                "old": services.budget_total(project.lines.all()),
                "new": services.budget_total(formset.kept()),
            }
        else:
            with refusal_shown_on(version_form):
                services.budget_lines_save(
                    project=project,
                    by=request.user,
                    version=version_form.cleaned_data["version"],
                    saved=saved,
                    removed=removed,
                )
                messages.success(
                    request,
                    _("The budget was saved: %(total)s requested.")
                    % {"total": format_mad(project.requested_total)},
                )
                _warn_over_ceiling(request, project)
                return redirect("project_detail", pk=project.pk)
    return render(
        request,
        "projects/budget_form.html",
        {
            "project": project,
            "b": project.beneficiary,
            "version_form": version_form,
            "formset": formset,
            "removal": removal,
        },
    )


def _warn_over_ceiling(request, project) -> None:
    if project.over_ceiling:
        messages.warning(
            request,
            _(
                "The budget now exceeds the ceiling of the programme track: a "
                "justification will be needed to submit it."
            ),
        )


def _line_delete_confirmation(project, line, version: int | None) -> Confirmation:
    rest = services.budget_total(project.lines.exclude(pk=line.pk))
    return Confirmation(
        title=_("Remove this budget line?"),
        consequences=[
            _(
                "Removing the line “%(designation)s” (%(amount)s) brings the requested total "
                "from %(old)s to %(new)s."
            )
            % {
                "designation": line.designation,
                "amount": format_mad(line.total),
                "old": format_mad(services.budget_total(project.lines.all())),
                "new": format_mad(rest),
            }
        ],
        confirm_label=_("Yes, remove the line"),
        cancel_url=reverse("project_detail", args=[project.pk]),
        carry={"version": version},
        # The service would refuse a page older than the project: say it now.
        refused="" if version == project.version else str(CONCURRENT_EDIT),
    )


@require_http_methods(["GET", "POST"])
@requires(permissions.can_view_projects)
def budget_line_delete(request, pk, line_pk):
    project = _get_project(request, pk)
    allow(permissions.can_edit_project, request.user, project)
    line = get_object_or_404(project.lines, pk=line_pk)
    # The version the project's page showed travels on, so a colleague's change is still
    # detected; a link from elsewhere shows the project as it is now.
    posted = request.POST.get("version")
    if not posted and not is_confirmed(request):
        posted = str(project.version)
    version = posted_version(posted)
    if page := pending(request, _line_delete_confirmation(project, line, version)):
        return page
    with refusal_shown_on(request):
        services.budget_line_delete(project=project, by=request.user, line=line, version=version)
    return redirect("project_detail", pk=project.pk)


ACTION_FORMS = {"close": CloseForm}


def _reject_confirmation(project, form) -> Confirmation:
    person = project.beneficiary
    lines = [
        _(
            "Rejecting the project “%(title)s” of %(name)s (%(number)s) is final: it cannot be "
            "decided again."
        )
        % {"title": project.title, "name": person_name(person), "number": code(person.file_number)}
    ]
    # What release() will give back when the rejection goes through, per convention.
    released = ledger.releasable(project) if project.status in permissions.CHARGED else []
    for allocation, amount in released:
        lines.append(
            _("%(amount)s committed on convention %(reference)s goes back to its envelope.")
            % {"amount": format_mad(amount), "reference": code(allocation.convention.reference)}
        )
    if not released:
        lines.append(_("No money was committed to it: nothing moves on the conventions."))
    return Confirmation(
        title=_("Reject this project?"),
        consequences=lines,
        confirm_label=_("Yes, reject the project"),
        cancel_url=reverse("project_detail", args=[project.pk]),
        form=form,
    )


# Actions that say what they will do before doing it; the others act on the first POST.
ASKS_FIRST = {"reject": _reject_confirmation}


class Transition(NamedTuple):
    service: Callable[..., LifeProject]
    # The states the service starts from: a project in any other was decided meanwhile.
    starts_from: tuple[str, ...]
    # The service refuses an empty comment: the form says so on its field first.
    needs_comment: bool = False


# The decisions posted to the project page, by the name in their URL.
TRANSITIONS = {
    "submit": Transition(services.project_submit, services.SUBMIT_FROM),
    "approve": Transition(services.project_approve, services.APPROVE_FROM),
    "return": Transition(services.project_return, services.RETURN_FROM, needs_comment=True),
    "reject": Transition(services.project_reject, services.REJECT_FROM, needs_comment=True),
    "fund": Transition(services.project_fund, services.FUND_FROM),
    "close": Transition(services.project_close, services.CLOSE_FROM),
    "abandon": Transition(services.project_abandon, services.ABANDON_FROM, needs_comment=True),
}
# What the services take from the decision forms (the approval form also has its own fields).
SERVICE_FIELDS = ("comment", "allocations", "outcome", "exit_reason", "reason")


def _action_form(
    request: HttpRequest, project: LifeProject, action: str
) -> CommentForm | CloseForm:
    data = request.POST if request.method == "POST" else None
    if action == "approve" and permissions.is_final_approval(project):
        return ApproveForm(data, project=project)
    if action in ACTION_FORMS:
        return ACTION_FORMS[action](data)
    return CommentForm(data, needs_comment=TRANSITIONS[action].needs_comment)


def _decision_card(request, project, form):
    """The decision card after a refusal, whole: whichever button was pressed, every field the
    card had comes back with what was typed (the convention split included, so that approving
    next works), and the error on its field."""
    if isinstance(form, CloseForm):
        return form
    if isinstance(form, ApproveForm) or not isinstance(form, CommentForm):
        return _kept(form)
    actions = permissions.allowed_actions(request.user, project)
    if "approve" not in actions or not permissions.is_final_approval(project):
        return form
    card = ApproveForm(request.POST, project=project)
    for name, errors in form.errors.items():
        for error in errors:
            card.add_error(name if name in card.fields else None, error)
    return card


@require_http_methods(["GET", "POST"])
@requires(permissions.can_view_projects)
def project_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if request.method == "GET" and action not in ASKS_FIRST:
        return HttpResponseNotAllowed(["POST"])
    project = _get_project(request, pk)
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise Http404
    check = permissions.CAN[action]
    if not check(request.user, project) and project.status not in transition.starts_from:
        # A second click, or a colleague was faster: say so rather than refuse bluntly.
        messages.warning(
            request,
            _("This project was already decided: it is now %(status)s.")
            % {"status": project.get_status_display()},
        )
        return redirect("project_detail", pk=project.pk)
    allow(check, request.user, project)
    form = _action_form(request, project, action)
    asks_first = ASKS_FIRST.get(action)
    # A confirmed request whose form is invalid comes back to its confirmation page (pending).
    if (
        request.method == "POST"
        and not (asks_first and is_confirmed(request))
        and not form.is_valid()
    ):
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _render_detail(
            request, project, decision_form=_decision_card(request, project, form), status=400
        )
    if asks_first and (page := pending(request, asks_first(project, form))):
        return page
    with refusal_shown_on(request):
        moved = transition.service(
            project=project,
            by=request.user,
            **{k: v for k, v in form.cleaned_data.items() if k in SERVICE_FIELDS},
        )
        messages.success(
            request,
            _("Done: the project is now %(status)s.") % {"status": moved.get_status_display()},
        )
        return redirect("project_detail", pk=project.pk)
    return _render_detail(
        request, project, decision_form=_decision_card(request, project, form), status=400
    )


def _kept(form):
    """The comment/approval form as typed, for the decision card (other action forms are
    short and shown again empty)."""
    return form if isinstance(form, (ApproveForm, CommentForm)) else None


@requires(permissions.can_view_projects)
def visit_record(request, pk, visit_pk):
    project = _get_project(request, pk)
    allow(permissions.can_record_visit, request.user, project)
    visit = get_object_or_404(project.visits, pk=visit_pk)
    form = VisitForm(request.POST or None, instance=visit)
    posted = request.method == "POST"
    visit_valid = posted and form.is_valid()
    # Whether the person still holds the jobs they were placed in (projects/placements.py):
    # those started by the visit's day, once it is typed.
    on = form.cleaned_data.get("done_on") if visit_valid else visit.done_on
    jobs = VisitPlacementsForm(request.POST or None, placements=visit_placements(visit, on=on))
    if posted and all([visit_valid, jobs.is_valid()]):
        with refusal_shown_on(form):
            recorded = visit_record_with_checks(
                visit=visit,
                by=request.user,
                data=form.cleaned_data,
                version=form.cleaned_data.get("version"),
                answers=jobs.answers(),
            )
            messages.success(request, visit_recorded_message(request.user, recorded))
            return redirect("project_detail", pk=project.pk)
    return render(
        request,
        "projects/visit_form.html",
        {
            "form": form,
            "jobs": jobs,
            "project": project,
            "visit": visit,
            "b": project.beneficiary,
            "last_visit": services.last_visit(project, before=visit),
        },
    )


@requires(permissions.can_view_projects)
def overdue_visits(request):
    visits = services.overdue_visits(request.user)
    page = paginate(request, visits, per_page=WORKLIST_PAGE_SIZE)
    return render(request, "projects/overdue.html", {"page": page, "today": timezone.localdate()})


@requires(file_permissions.can_view_beneficiaries)
def file_summary(request, beneficiary_pk):
    """The person's file on one printable page (PDF, Arabic first). The detention record is in
    it only for the roles that may read one, and the access log says whether it was."""
    beneficiary = get_visible_or_404(
        Beneficiary.objects.select_related("centre", "track", "residence_province"),
        request.user,
        pk=beneficiary_pk,
    )
    detention = detention_for_reader(request.user, beneficiary)
    name = f"{beneficiary.file_number}-summary.pdf"
    access_log.record(
        Kind.FILE_SUMMARY,
        by=request.user,
        file_number=beneficiary.file_number,
        reference=name,
        detention_records=int(detention is not None),
    )
    context = summary.summary_context(beneficiary, detention=detention)
    return pdf_response(
        render_pdf("pdf/file_summary.html", context, language="ar"), name, inline=True
    )
