"""Every write to a life project: its plan and budget while it is a draft, and each transition
of its status. A transition locks the row, checks the state and the role with the same
``can_<action>`` the page uses, saves with update_fields, writes the Decision and the audit
entry in the same transaction, and sends e-mail only after commit."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from beneficiaries import hooks
from beneficiaries.models import Beneficiary
from partners import services as partner_services
from partners.models import Convention
from projects import permissions
from projects.models import OPEN_STATUSES, BudgetLine, Decision, FollowUpVisit, LifeProject, Status
from reintegration import audit, notifications, outbox
from reintegration.concurrency import ConcurrentEdit
from reintegration.formatting import format_date, format_mad, format_phone
from reintegration.models import Centre, OutboxMessage, Role, User
from reintegration.money import MAX_AMOUNT
from reintegration.refusals import Refused

PLAN_FIELDS = (
    "skills",
    "experience",
    "needs",
    "market_fit",
    "training_course",
    "training_provider",
    "training_start",
    "training_end",
    "training_completed",
    "training_certificate",
    "trade",
    "title",
    "location",
    "description",
    "expected_monthly_income",
    "ceiling_justification",
)
LINE_FIELDS = ("designation", "category", "quantity", "unit_price", "supplier", "quote_reference")
# The person's pipeline status follows their project.
PERSON_STATUS = {
    Status.SUBMITTED: Beneficiary.Status.PROJECT,
    Status.FUNDED: Beneficiary.Status.FUNDED,
    Status.EQUIPPED: Beneficiary.Status.EQUIPPED,
    Status.FOLLOW_UP: Beneficiary.Status.FOLLOW_UP,
    Status.CLOSED: Beneficiary.Status.CLOSED,
}


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


# --- Drafting ------------------------------------------------------------------------------


@transaction.atomic
def project_create(*, beneficiary: Beneficiary, by: User, data: dict[str, Any]) -> LifeProject:
    if beneficiary.projects.filter(status__in=OPEN_STATUSES).exists():
        raise Refused(_("This person already has an open project."))
    project = LifeProject(beneficiary=beneficiary, created_by=by)
    for field in PLAN_FIELDS:
        if field in data:
            setattr(project, field, data[field])
    project.save()
    audit.record("project.created", actor=by, target=project)
    return project


def _bump(project: LifeProject, version: int) -> None:
    """Claim the next version, or fail if someone saved since ``version`` was read."""
    updated = LifeProject.objects.filter(pk=project.pk, version=version).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if updated != 1:
        raise ConcurrentEdit(project)
    project.version = version + 1


def _lock_editable(project: LifeProject, by: User) -> LifeProject:
    locked = (
        LifeProject.objects.select_for_update()
        .select_related("beneficiary__track")
        .get(pk=project.pk)
    )
    if not permissions.can_edit_project(by, locked):
        raise Refused(
            _("This project can no longer be changed: it is %(status)s.")
            % {"status": locked.get_status_display()}
        )
    return locked


@transaction.atomic
def project_update(
    *, project: LifeProject, by: User, data: dict[str, Any], version: int
) -> LifeProject:
    locked = _lock_editable(project, by)
    _bump(locked, version)
    changes = {}
    for field in PLAN_FIELDS:
        if field in data and getattr(locked, field) != data[field]:
            changes[field] = [str(getattr(locked, field) or ""), str(data[field] or "")]
            setattr(locked, field, data[field])
    locked.save(update_fields=[*PLAN_FIELDS, "updated_at"])
    if changes:
        audit.record("project.updated", actor=by, target=locked, changes=changes)
    return locked


def budget_total(lines: Iterable[BudgetLine]) -> Decimal:
    # Each line is rounded to the centime, then added up: the total is what the lines show.
    return sum((line.total for line in lines), Decimal("0.00"))


def _refresh_total(project: LifeProject) -> None:
    total = budget_total(project.lines.all())
    project.requested_total = total
    project.save(update_fields=["requested_total", "updated_at"])


def _check_line(line: BudgetLine, *, among_several: bool) -> None:
    """A line is worth at least a centime once rounded (0,01 x 0,01 is not an expense), and no
    more than a money column is meant to hold."""
    if line.total <= 0:
        reason = _("This line comes to %(total)s: check the quantity and the unit price.") % {
            "total": format_mad(line.total)
        }
    elif line.total > MAX_AMOUNT:
        reason = _("This line comes to %(total)s, more than the %(limit)s an amount can hold.") % {
            "total": format_mad(line.total),
            "limit": format_mad(MAX_AMOUNT),
        }
    else:
        return
    if among_several:
        # Saved with others, the line is named: the reason shows above them all.
        reason = _("“%(designation)s”: %(reason)s") % {
            "designation": line.designation,
            "reason": reason,
        }
    raise Refused(reason)


@transaction.atomic
def budget_lines_save(
    *,
    project: LifeProject,
    by: User,
    version: int,
    saved: Sequence[tuple[BudgetLine | None, dict[str, Any]]] = (),
    removed: Sequence[BudgetLine] = (),
) -> list[BudgetLine]:
    """Save several budget lines of ``project`` at once (``saved``: the line, or None for a new
    one, with its fields) and remove others, all or nothing: one version of the project, one
    new requested total, an audit entry per line in the same transaction. Returns the saved
    lines."""
    locked = _lock_editable(project, by)
    _bump(locked, version)
    lines = []
    for line, data in saved:
        if line is not None and line.project_id != locked.pk:
            raise Refused(_("This budget line belongs to another project."))
        line = line or BudgetLine(project=locked)
        for field in LINE_FIELDS:
            setattr(line, field, data.get(field, getattr(line, field)))
        _check_line(line, among_several=len(saved) + len(removed) > 1)
        line.save()
        lines.append(line)
    designations = []
    for line in removed:
        if BudgetLine.objects.filter(pk=line.pk, project=locked).delete()[0]:
            designations.append(line.designation)
    _refresh_total(locked)
    total = str(locked.requested_total)
    for line in lines:
        audit.record(
            "project.budget_changed",
            actor=by,
            target=locked,
            changes={"line": line.designation, "total": total},
        )
    for designation in designations:
        audit.record(
            "project.budget_changed",
            actor=by,
            target=locked,
            changes={"removed": designation, "total": total},
        )
    project.requested_total, project.version = locked.requested_total, locked.version
    return lines


def budget_line_save(
    *,
    project: LifeProject,
    by: User,
    data: dict[str, Any],
    version: int,
    line: BudgetLine | None = None,
) -> BudgetLine:
    return budget_lines_save(project=project, by=by, version=version, saved=[(line, data)])[0]


def budget_line_delete(*, project: LifeProject, by: User, line: BudgetLine, version: int) -> None:
    budget_lines_save(project=project, by=by, version=version, removed=[line])


# --- Transitions ---------------------------------------------------------------------------
#
# One service per transition. Each locks the row and checks it with ``_lock`` (scope, the states
# it starts from, the role by the same ``can_<action>`` the page uses to show the button), applies
# its own rules, then ``_decide`` saves the new status with the Decision and the audit entry in
# the same transaction and sends the e-mail after commit. A project found in a state its
# transition does not start from was decided meanwhile (a double click, a colleague faster): the
# user is told so, not refused.


def _lock(
    project: LifeProject,
    by: User,
    *,
    from_states: Sequence[str],
    allowed: Callable[[User, LifeProject], bool],
) -> LifeProject:
    # The row lock makes a double click or two approvers at once queue here; the second one
    # then finds the new status and is told the project was already decided.
    locked = (
        LifeProject.objects.select_for_update()
        .select_related("beneficiary__track", "beneficiary__centre__province")
        .get(pk=project.pk)
    )
    if not LifeProject.objects.visible_to(by).filter(pk=locked.pk).exists():
        raise Refused(_("This project is outside your area of work."))
    if locked.status not in from_states:
        raise Refused(
            _("This project was already decided: it is now %(status)s.")
            % {"status": locked.get_status_display()}
        )
    if not allowed(by, locked):
        raise Refused(_("Your role does not allow this action on this project."))
    return locked


def _decide(
    locked: LifeProject,
    by: User,
    *,
    action: str,
    to: str,
    fields: Sequence[str] = (),
    comment: str = "",
    amount: Decimal | None = None,
    event: str = "",
    changes: dict | None = None,
) -> None:
    """Move ``locked`` to ``to`` and save it with ``fields``; the person's status follows. The
    Decision and the audit entry (``event``, by default ``project.<action>``, with ``changes``
    beside the status) are written in the caller's transaction, with the messages that tell
    the people who act next (the outbox sends them once it commits)."""
    old = locked.status
    locked.status = to
    locked.save(update_fields=["status", "updated_at", *fields])
    _sync_person(locked)
    Decision.objects.create(
        project=locked,
        action=action,
        from_status=old,
        to_status=to,
        actor=by,
        comment=comment,
        amount=amount,
    )
    audit.record(
        event or f"project.{action}",
        actor=by,
        target=locked,
        changes={
            "status": [old, to],
            **({"comment": comment} if comment else {}),
            **(changes or {}),
        },
    )
    notify(locked, action, by)
    hooks.files_changed([locked.beneficiary_id])


def _required(comment: str) -> str:
    """The comment, which the centre must read to know what must change or why."""
    comment = comment.strip()
    if not comment:
        raise Refused(_("Write a comment for the centre: say what must change or why."))
    return comment


def _check_submission(project: LifeProject) -> None:
    missing = [
        str(LifeProject._meta.get_field(name).verbose_name)  # type: ignore[union-attr]  # plain fields
        for name in ("skills", "needs", "market_fit", "trade")
        if not getattr(project, name)
    ]
    if missing:
        raise Refused(
            _("Complete the diagnosis and the plan before submitting: %(fields)s.")
            % {"fields": ", ".join(missing)}
        )
    if not project.lines.exists():
        raise Refused(_("Add at least one budget line before submitting."))
    if project.over_ceiling and not project.ceiling_justification.strip():
        raise Refused(
            _(
                "The budget exceeds the ceiling of its programme track: write a justification "
                "in the plan before submitting."
            )
        )


SUBMIT_FROM = (Status.DRAFT, Status.RETURNED)


@transaction.atomic
def project_submit(*, project: LifeProject, by: User, comment: str = "") -> LifeProject:
    """The centre sends the plan and budget to the deciders of its region."""
    locked = _lock(project, by, from_states=SUBMIT_FROM, allowed=permissions.can_submit)
    _check_submission(locked)
    locked.submitted_at = timezone.now()
    _decide(
        locked,
        by,
        action="submit",
        to=Status.SUBMITTED,
        fields=["submitted_at"],
        comment=comment.strip(),
    )
    return locked


def approval_status(project: LifeProject) -> str:
    """Where approving ``project`` takes it: above the regional ceiling the region's approval
    passes it on to headquarters, otherwise it is approved (and charged to conventions)."""
    if permissions.is_final_approval(project):
        return Status.APPROVED
    return Status.AWAITING_NATIONAL


APPROVE_FROM = (Status.SUBMITTED, Status.AWAITING_NATIONAL)


@transaction.atomic
def project_approve(
    *,
    project: LifeProject,
    by: User,
    comment: str = "",
    allocations: Iterable[tuple[Convention, Decimal]] = (),
) -> LifeProject:
    """Approve the project. The final approval charges its whole budget to ``allocations``
    (conventions and amounts), all or nothing; a regional approval above the ceiling only
    passes it on to headquarters."""
    locked = _lock(project, by, from_states=APPROVE_FROM, allowed=permissions.can_approve)
    to = approval_status(locked)
    if to != Status.APPROVED:
        _decide(
            locked,
            by,
            action="approve",
            to=to,
            comment=comment.strip(),
            event="project.approve_regional",
        )
        return locked
    locked.approved_total = locked.requested_total
    # A refusal here rolls back every allocation already made in this transaction.
    partner_services.allocate(project=locked, by=by, splits=allocations)
    _decide(
        locked,
        by,
        action="approve",
        to=to,
        fields=["approved_total"],
        comment=comment.strip(),
        amount=locked.approved_total,
    )
    return locked


RETURN_FROM = (Status.SUBMITTED, Status.AWAITING_NATIONAL)


@transaction.atomic
def project_return(*, project: LifeProject, by: User, comment: str) -> LifeProject:
    """Send the project back to the centre for changes, saying which."""
    locked = _lock(project, by, from_states=RETURN_FROM, allowed=permissions.can_return)
    comment = _required(comment)
    _decide(locked, by, action="return", to=Status.RETURNED, comment=comment)
    return locked


REJECT_FROM = (Status.SUBMITTED, Status.AWAITING_NATIONAL, *permissions.CHARGED)


@transaction.atomic
def project_reject(*, project: LifeProject, by: User, comment: str) -> LifeProject:
    """Refuse the project for good, saying why; after approval, its money goes back to the
    conventions."""
    locked = _lock(project, by, from_states=REJECT_FROM, allowed=permissions.can_reject)
    comment = _required(comment)
    if locked.status in permissions.CHARGED:
        partner_services.release(project=locked, by=by)
    _decide(locked, by, action="reject", to=Status.REJECTED, comment=comment)
    return locked


FUND_FROM = (Status.APPROVED,)


@transaction.atomic
def project_fund(*, project: LifeProject, by: User, comment: str = "") -> LifeProject:
    """Headquarters confirm the money for an approved project."""
    locked = _lock(project, by, from_states=FUND_FROM, allowed=permissions.can_fund)
    _decide(locked, by, action="fund", to=Status.FUNDED, comment=comment.strip())
    return locked


def visit_schedule(handover_date: datetime.date) -> list[tuple[int, datetime.date]]:
    """The follow-up visits a handover on ``handover_date`` schedules: (months after it, due
    date), one per milestone."""
    return [(months, add_months(handover_date, months)) for months in settings.FOLLOW_UP_MILESTONES]


EQUIP_FROM = permissions.CHARGED


@transaction.atomic
def project_equip(*, project: LifeProject, by: User, handover_date: datetime.date) -> LifeProject:
    """The equipment was handed over on ``handover_date``: the project is equipped and its
    follow-up visits are scheduled. Only a held ceremony equips a project
    (``ceremonies.services.ceremony_hold``), which moves the money first; no page offers it."""
    locked = _lock(project, by, from_states=EQUIP_FROM, allowed=permissions.can_equip)
    locked.handover_date = handover_date
    _decide(locked, by, action="equip", to=Status.EQUIPPED, fields=["handover_date"])
    FollowUpVisit.objects.bulk_create(
        [
            FollowUpVisit(project=locked, milestone_months=months, due_on=due_on)
            for months, due_on in visit_schedule(handover_date)
        ],
        ignore_conflicts=True,
    )
    return locked


CLOSE_FROM = permissions.FOLLOWED


@transaction.atomic
def project_close(
    *, project: LifeProject, by: User, outcome: str, exit_reason: str, reason: str
) -> LifeProject:
    """The follow-up is over: the project closes with the business's ``outcome`` and the coded
    ``exit_reason`` that closures are counted by (``ceremonies.outcomes.exit_reasons``); the
    free-text ``reason`` says the rest."""
    if exit_reason not in LifeProject.ExitReason.values:
        raise Refused(_("Choose why the follow-up ends."))
    if (
        exit_reason == LifeProject.ExitReason.BUSINESS_FAILED
        and outcome != LifeProject.Outcome.FAILED
    ):
        raise Refused(_("A business that failed closes with the outcome “business failed”."))
    locked = _lock(project, by, from_states=CLOSE_FROM, allowed=permissions.can_close)
    locked.outcome = outcome
    locked.exit_reason = exit_reason
    locked.closing_reason = reason
    _decide(
        locked,
        by,
        action="close",
        to=Status.CLOSED,
        fields=["outcome", "exit_reason", "closing_reason"],
        # The codes closures are counted by; the free-text reason stays out of the log.
        changes={"outcome": outcome, "exit_reason": exit_reason},
    )
    return locked


ABANDON_FROM = permissions.CHARGED


@transaction.atomic
def project_abandon(*, project: LifeProject, by: User, comment: str) -> LifeProject:
    """The person gave up before the equipment was handed over: the project closes as abandoned
    and its money goes back to the conventions."""
    locked = _lock(project, by, from_states=ABANDON_FROM, allowed=permissions.can_abandon)
    comment = _required(comment)
    partner_services.release(project=locked, by=by)
    locked.outcome = LifeProject.Outcome.ABANDONED
    locked.closing_reason = comment
    _decide(
        locked,
        by,
        action="abandon",
        to=Status.CLOSED,
        fields=["outcome", "closing_reason"],
        comment=comment,
    )
    return locked


def person_status(project_status: str) -> str | None:
    """The pipeline status a person takes when their project reaches ``project_status``, or
    None when it stays as it was (returned, awaiting, approved or rejected: still at the
    project stage)."""
    return PERSON_STATUS.get(Status(project_status))


def _sync_person(project: LifeProject) -> None:
    status = person_status(project.status)
    if status:
        Beneficiary.objects.filter(pk=project.beneficiary_id).update(status=status)


@transaction.atomic
def visit_record(
    *, visit: FollowUpVisit, by: User, data: dict[str, Any], version: int | None = None
) -> FollowUpVisit:
    project = LifeProject.objects.select_for_update().get(pk=visit.project_id)
    if not permissions.can_record_visit(by, project):
        raise Refused(_("Visits can only be recorded for an equipped project in follow-up."))
    locked = FollowUpVisit.objects.select_for_update().get(pk=visit.pk)
    if version is not None and locked.version != version:
        raise ConcurrentEdit(locked)
    for field, value in data.items():
        if field != "version":
            setattr(locked, field, value)
    locked.recorded_by = by
    locked.version += 1
    locked.save()
    if project.status == Status.EQUIPPED:
        Decision.objects.create(
            project=project,
            action="follow_up",
            from_status=project.status,
            to_status=Status.FOLLOW_UP,
            actor=by,
        )
        project.status = Status.FOLLOW_UP
        project.save(update_fields=["status", "updated_at"])
        _sync_person(project)
    audit.record(
        "project.visit_recorded",
        actor=by,
        target=project,
        changes={
            "milestone": locked.milestone_months,
            **(
                {"reincarcerated_on": locked.reincarcerated_on.isoformat()}
                if locked.reincarcerated_on
                else {}
            ),
        },
    )
    # The task about this visit is settled once the visit is saved.
    hooks.files_changed([project.beneficiary_id])
    return locked


def last_visit(
    project: LifeProject, *, before: FollowUpVisit | None = None
) -> FollowUpVisit | None:
    """The latest visit recorded for ``project`` (other than ``before``, the one being
    recorded): what the visitor needs to know before going."""
    visits = project.visits.filter(done_on__isnull=False)
    if before is not None:
        visits = visits.exclude(pk=before.pk)
    return visits.order_by("-done_on", "-pk").first()


def open_visits(visits: QuerySet[FollowUpVisit] | None = None) -> QuerySet[FollowUpVisit]:
    """Visits still to make (among ``visits``, all by default): not recorded, of a project
    still followed (a closed or abandoned project leaves its remaining visits undone, and
    nobody owes them)."""
    visits = FollowUpVisit.objects.all() if visits is None else visits
    return visits.filter(done_on__isnull=True, project__status__in=permissions.FOLLOWED)


def visits_due(
    user: User, *, today: datetime.date | None = None, within_days: int = 0
) -> QuerySet[FollowUpVisit]:
    """The user's visits to make that were due before today, or are due within
    ``within_days`` days from today; the most overdue first."""
    today = today or timezone.localdate()
    if within_days:
        due = Q(due_on__lte=today + datetime.timedelta(days=within_days))
    else:
        due = Q(due_on__lt=today)
    return (
        open_visits(FollowUpVisit.objects.visible_to(user))
        .filter(due)
        .select_related("project__beneficiary__centre", "project__trade")
        .order_by("due_on", "pk")
    )


def overdue_visits(user: User, today: datetime.date | None = None) -> QuerySet[FollowUpVisit]:
    return visits_due(user, today=today)


def approval_waiting(user: User, centres: list[int] | None = None) -> QuerySet[LifeProject]:
    """What waits for this approver's decision: submitted projects of the region for regional
    staff, projects above the regional ceiling for headquarters. ``centres``: the keys of the
    centres the user sees (``Centre.objects.visible_to``), when the caller has them: regional
    staff's projects are then found by their centre, not by joining every file of the region to
    it (a few waiting projects read instead of the region's files)."""
    if centres is not None and user.role == Role.REGIONAL:
        waiting = LifeProject.objects.filter(beneficiary__centre__in=centres)
    else:
        waiting = LifeProject.objects.visible_to(user)
    if user.role == Role.NATIONAL:
        return waiting.filter(status=Status.AWAITING_NATIONAL)
    return waiting.filter(status=Status.SUBMITTED)


# --- Notifications -------------------------------------------------------------------------

# Who hears about each action: the centre's coordinators or the deciders of its region.
TO_CENTRE = ("return", "reject", "approve", "fund")
TO_DECIDERS = ("submit",)

# What each decision tells the people who act next (registered in ProjectsConfig.ready).
NOTIFICATIONS = {
    "submit": (
        gettext_lazy("Life project submitted for decision"),
        gettext_lazy("The life project of file %(number)s was submitted for your decision."),
    ),
    "return": (
        gettext_lazy("Life project returned to the centre"),
        gettext_lazy("The life project of file %(number)s was returned to the centre."),
    ),
    "reject": (
        gettext_lazy("Life project rejected"),
        gettext_lazy("The life project of file %(number)s was rejected."),
    ),
    "approve": (
        gettext_lazy("Life project approved"),
        gettext_lazy("The life project of file %(number)s was approved."),
    ),
    "fund": (
        gettext_lazy("Life project funded"),
        gettext_lazy("The life project of file %(number)s was funded: it can be handed over."),
    ),
    "awaiting_national": (
        gettext_lazy("Life project awaiting national approval"),
        gettext_lazy("The life project of file %(number)s awaits national approval."),
    ),
}


def register_notifications() -> None:
    for action, (label, message) in NOTIFICATIONS.items():
        notifications.register(f"project.{action}", label=label, message=message)


def notify(project: LifeProject, action: str, actor: User) -> None:
    """Tell the people who act next, in their inbox and (if they asked) by e-mail through the
    outbox, in the decision's transaction: a mail server that is down delays the message, never
    the decision, and loses nothing."""
    centre = Centre.objects.select_related("province").get(pk=project.beneficiary.centre_id)
    if project.status == Status.AWAITING_NATIONAL:
        recipients = User.objects.filter(role=Role.NATIONAL)
        action = "awaiting_national"
    elif action in TO_CENTRE:
        recipients = User.objects.filter(role=Role.COORDINATOR, centre=centre)
    elif action in TO_DECIDERS:
        recipients = User.objects.filter(role=Role.REGIONAL, region=centre.province.region_id)
    else:
        return
    notifications.notify(
        recipients.filter(is_active=True),
        kind=f"project.{action}",
        url=reverse("project_detail", args=[project.pk]),
        params={"number": project.beneficiary.file_number},
        by=actor,
    )


# --- Reminders -----------------------------------------------------------------------------

REMINDER_DAYS_AHEAD = 7


def visit_reminders_send(*, today: datetime.date | None = None) -> int:
    """E-mail each coordinator the follow-up visits of their centre that are overdue or due in
    the coming week, through the outbox, once a day (a second run the same day sends nothing).
    Returns how many coordinators were written to."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=REMINDER_DAYS_AHEAD)
    to_make = open_visits().filter(due_on__lte=soon)
    centres = set(to_make.values_list("project__beneficiary__centre", flat=True))
    written = 0
    coordinators = (
        User.objects.filter(role=Role.COORDINATOR, is_active=True, centre__in=centres)
        .exclude(email="")
        .order_by("pk")
    )
    start_of_today = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
    for coordinator in coordinators:
        already = OutboxMessage.objects.filter(
            recipient=coordinator, reason="visits.reminder", created_at__gte=start_of_today
        )
        if already.exists():
            continue
        visits = (
            to_make.filter(project__beneficiary__centre=coordinator.centre_id)
            .select_related("project__beneficiary")
            .order_by("due_on", "pk")
        )
        with translation.override(coordinator.language), transaction.atomic():
            lines = []
            for visit in visits:
                person = visit.project.beneficiary
                if visit.due_on < today:
                    late = (today - visit.due_on).days
                    when = ngettext("%(days)s day late", "%(days)s days late", late) % {
                        "days": late
                    }
                else:
                    when = _("due on %(date)s") % {"date": format_date(visit.due_on)}
                milestone = _("%(months)s-month visit") % {"months": visit.milestone_months}
                phone = f" · {format_phone(person.phone)}" if person.phone else ""
                lines.append(
                    f"- {person.file_number} {person.display_name}{phone} · {milestone}: {when}"
                )
            subject = _("Follow-up visits to make: %(count)s") % {"count": len(lines)}
            body = "\n".join(
                [
                    ngettext(
                        "Follow-up visits overdue or due within %(days)s day:",
                        "Follow-up visits overdue or due within %(days)s days:",
                        REMINDER_DAYS_AHEAD,
                    )
                    % {"days": REMINDER_DAYS_AHEAD},
                    "",
                    *lines,
                ]
            )
            outbox.email(to=coordinator, subject=subject, body=body, reason="visits.reminder")
        written += 1
    return written


def project_records_anonymise(person: Beneficiary) -> dict[str, list[int]]:
    """For the retention job (``beneficiaries.hooks.ANONYMISERS``): the comments typed on the
    decisions of the person's projects, and their copies in the audit entries of those
    projects, become ``audit.REDACTED``. Runs inside ``protected_records.anonymising()``, the
    only way the database lets a decision's comment change."""
    projects = list(LifeProject.objects.filter(beneficiary=person).values_list("pk", flat=True))
    decisions = list(
        Decision.objects.filter(project__in=projects)
        .exclude(comment__in=["", audit.REDACTED])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Decision.objects.filter(pk__in=decisions).update(comment=audit.REDACTED)
    entries = audit.redact(
        target_type=LifeProject._meta.label_lower, target_ids=projects, keys=("comment",)
    )
    return {"decisions": decisions, "audit_entries": entries}
