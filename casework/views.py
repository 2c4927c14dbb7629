from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from beneficiaries.models import Beneficiary
from casework import milestones, permissions, presenting, selectors, services
from casework.forms import PostponeForm, ReassignForm, TaskForm
from casework.models import Task
from reintegration.concurrency import posted_version
from reintegration.confirmation import Confirmation, code, pending
from reintegration.formatting import format_date
from reintegration.models import Role
from reintegration.pagination import WORKLIST_PAGE_SIZE, paginate
from reintegration.permissions import allow, requires
from reintegration.refusals import refusal_shown_on
from reintegration.scoping import get_visible_or_404

# Where a task's buttons lead back to: the page they were pressed on.
BACK = ("list", "file", "project")


def _get_task(request: HttpRequest, pk: int) -> Task:
    return get_visible_or_404(
        Task.objects.select_related("beneficiary__centre__province", "assignee", "project"),
        request.user,
        pk=pk,
    )


def _back(request: HttpRequest, task: Task) -> str:
    back = request.POST.get("back") or request.GET.get("back")
    if back == "file":
        return reverse("beneficiary_detail", args=[task.beneficiary_id])
    if back == "project" and task.project_id:
        return reverse("project_detail", args=[task.project_id])
    return reverse("task_list")


def _back_name(request: HttpRequest) -> str:
    back = request.POST.get("back") or request.GET.get("back")
    return back if back in BACK else "list"


@requires(permissions.can_view_tasks)
def task_list(request: HttpRequest) -> HttpResponse:
    """The open tasks, overdue first: mine, nobody's yet, or all those of my scope."""
    user = request.user
    default = selectors.ALL if user.role in (Role.NATIONAL, Role.AUDITOR) else selectors.MINE
    show = request.GET.get("show", default)
    if show not in selectors.FILTERS:
        show = default
    page = paginate(request, selectors.open_tasks_for(user, show), per_page=WORKLIST_PAGE_SIZE)
    return render(
        request,
        "casework/task_list.html",
        {
            "page": page,
            "task_rows": presenting.rows(user, page.object_list),
            "show": show,
            "filters": [
                (selectors.MINE, _("Mine")),
                (selectors.UNASSIGNED, _("Unassigned")),
                (selectors.ALL, _("All in my area")),
            ],
        },
    )


@requires(permissions.can_view_tasks)
def task_add(request: HttpRequest, beneficiary_pk: int) -> HttpResponse:
    beneficiary = get_visible_or_404(
        Beneficiary.objects.select_related("centre__province"), request.user, pk=beneficiary_pk
    )
    allow(permissions.can_add_task, request.user, beneficiary)
    initial = {"project": request.GET.get("project")} if request.GET.get("project") else {}
    form = TaskForm(
        request.POST or None, beneficiary=beneficiary, user=request.user, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            project = form.cleaned_data["project"]
            services.task_create(
                beneficiary=beneficiary,
                project=project,
                title=form.cleaned_data["title"],
                due_on=form.cleaned_data["due_on"],
                assignee=form.cleaned_data["assignee"],
                by=request.user,
            )
            messages.success(request, _("The task was added."))
            if project is not None:
                return redirect("project_detail", pk=project.pk)
            return redirect("beneficiary_detail", pk=beneficiary.pk)
    return render(
        request,
        "casework/task_form.html",
        {
            "form": form,
            "b": beneficiary,
            "heading": _("New task"),
            "cancel_url": reverse("beneficiary_detail", args=[beneficiary.pk]),
        },
    )


def _done_confirmation(request: HttpRequest, task: Task) -> Confirmation:
    return Confirmation(
        title=_("Mark this task done?"),
        consequences=[
            _("“%(title)s”, on the file %(number)s.")
            % {"title": milestones.title(task), "number": code(task.beneficiary.file_number)},
            _("It leaves the open tasks and cannot be reopened: add a new task if more is needed."),
        ],
        confirm_label=_("Yes, it is done"),
        cancel_url=_back(request, task),
        destructive=False,
        carry={"version": task.version, "back": _back_name(request)},
    )


@require_http_methods(["GET", "POST"])
@requires(permissions.can_view_tasks)
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    task = _get_task(request, pk)
    allow(permissions.can_mark_done, request.user, task)
    if page := pending(request, _done_confirmation(request, task)):
        return page
    with refusal_shown_on(request):
        services.task_done(
            task=task, by=request.user, version=posted_version(request.POST.get("version")) or 0
        )
        messages.success(request, _("The task is done."))
    return redirect(_back(request, task))


def _task_page(
    request: HttpRequest, task: Task, form, *, heading: str, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "casework/task_form.html",
        {
            "form": form,
            "b": task.beneficiary,
            "task": task,
            "task_title": milestones.title(task),
            "heading": heading,
            "back": _back_name(request),
            "cancel_url": _back(request, task),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@requires(permissions.can_view_tasks)
def task_postpone(request: HttpRequest, pk: int) -> HttpResponse:
    task = _get_task(request, pk)
    allow(permissions.can_change_task, request.user, task)
    form = PostponeForm(request.POST or None, initial={"version": task.version})
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            services.task_postpone(
                task=task,
                due_on=form.cleaned_data["due_on"],
                reason=form.cleaned_data["reason"],
                by=request.user,
                version=form.cleaned_data.get("version") or 0,
            )
            messages.success(
                request,
                _("The task is postponed to %(date)s.")
                % {"date": format_date(form.cleaned_data["due_on"])},
            )
            return redirect(_back(request, task))
    return _task_page(request, task, form, heading=_("Postpone the task"))


@require_http_methods(["GET", "POST"])
@requires(permissions.can_view_tasks)
def task_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    task = _get_task(request, pk)
    allow(permissions.can_change_task, request.user, task)
    form = ReassignForm(request.POST or None, task=task, initial={"version": task.version})
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            services.task_reassign(
                task=task,
                to=form.cleaned_data["assignee"],
                by=request.user,
                version=form.cleaned_data.get("version") or 0,
            )
            messages.success(request, _("The task was reassigned."))
            return redirect(_back(request, task))
    return _task_page(request, task, form, heading=_("Reassign the task"))
