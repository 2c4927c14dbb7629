"""Every write to a life project: its plan and budget while it is a draft, and each transition
of its status. A transition locks the row, checks the state and the role with the same
``can_<action>`` the page uses, saves with update_fields, writes the Decision and the audit
entry in the same transaction, and sends e-mail only after commit."""

from __future__ import annotations

import calendar
import datetime
import logging
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from beneficiaries.models import Beneficiary
from partners import services as partner_services
from projects import permissions
from projects.models import OPEN_STATUSES, BudgetLine, Decision, FollowUpVisit, LifeProject, Status
from reintegration import audit
from reintegration.concurrency import ConcurrentEdit
from reintegration.formatting import format_mad
from reintegration.models import Role, User
from reintegration.money import MAX_AMOUNT
from reintegration.refusals import Refused

logger = logging.getLogger(__name__)

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


# The transitions' name for a refusal: the same type as every other one.
TransitionError = Refused


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


# --- Drafting ------------------------------------------------------------------------------


@transaction.atomic
def project_create(*, beneficiary: Beneficiary, by, data: dict[str, Any]) -> LifeProject:
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


def _lock_editable(project: LifeProject, by) -> LifeProject:
    locked = (
        LifeProject.objects.select_for_update()
        .select_related("beneficiary__track")
        .get(pk=project.pk)
    )
    if not permissions.can_edit_project(by, locked):
        raise TransitionError(
            _("This project can no longer be changed: it is %(status)s.")
            % {"status": locked.get_status_display()}
        )
    return locked


@transaction.atomic
def project_update(*, project: LifeProject, by, data: dict[str, Any], version: int) -> LifeProject:
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


def budget_total(lines) -> Decimal:
    # Each line is rounded to the centime, then added up: the total is what the lines show.
    return sum((line.total for line in lines), Decimal("0.00"))


def _refresh_total(project: LifeProject) -> None:
    total = budget_total(project.lines.all())
    project.requested_total = total
    project.save(update_fields=["requested_total", "updated_at"])


@transaction.atomic
def budget_line_save(
    *,
    project: LifeProject,
    by,
    data: dict[str, Any],
    version: int,
    line: BudgetLine | None = None,
) -> BudgetLine:
    locked = _lock_editable(project, by)
    _bump(locked, version)
    line = line or BudgetLine(project=locked)
    for field in LINE_FIELDS:
        setattr(line, field, data.get(field, getattr(line, field)))
    # A line is worth at least a centime once rounded (0,01 x 0,01 is not an expense), and no
    # more than a money column is meant to hold.
    if line.total <= 0:
        raise TransitionError(
            _("This line comes to %(total)s: check the quantity and the unit price.")
            % {"total": format_mad(line.total)}
        )
    if line.total > MAX_AMOUNT:
        raise TransitionError(
            _("This line comes to %(total)s, more than the %(limit)s an amount can hold.")
            % {"total": format_mad(line.total), "limit": format_mad(MAX_AMOUNT)}
        )
    line.save()
    _refresh_total(locked)
    audit.record(
        "project.budget_changed",
        actor=by,
        target=locked,
        changes={"line": line.designation, "total": str(locked.requested_total)},
    )
    project.requested_total, project.version = locked.requested_total, locked.version
    return line


@transaction.atomic
def budget_line_delete(*, project: LifeProject, by, line: BudgetLine, version: int) -> None:
    locked = _lock_editable(project, by)
    _bump(locked, version)
    designation = line.designation
    BudgetLine.objects.filter(pk=line.pk, project=locked).delete()
    _refresh_total(locked)
    audit.record(
        "project.budget_changed",
        actor=by,
        target=locked,
        changes={"removed": designation, "total": str(locked.requested_total)},
    )


# --- Transitions ---------------------------------------------------------------------------


def _check_submission(project: LifeProject) -> None:
    missing = [
        str(LifeProject._meta.get_field(name).verbose_name)
        for name in ("skills", "needs", "market_fit", "trade")
        if not getattr(project, name)
    ]
    if missing:
        raise TransitionError(
            _("Complete the diagnosis and the plan before submitting: %(fields)s.")
            % {"fields": ", ".join(missing)}
        )
    if not project.lines.exists():
        raise TransitionError(_("Add at least one budget line before submitting."))
    if project.over_ceiling and not project.ceiling_justification.strip():
        raise TransitionError(
            _(
                "The budget exceeds the ceiling of its programme track: write a justification "
                "in the plan before submitting."
            )
        )


def _next_status(action: str, project: LifeProject) -> str:
    if action == "approve":
        if project.status == Status.SUBMITTED and not permissions.within_regional_ceiling(project):
            return Status.AWAITING_NATIONAL
        return Status.APPROVED
    return {
        "submit": Status.SUBMITTED,
        "return": Status.RETURNED,
        "reject": Status.REJECTED,
        "fund": Status.FUNDED,
        "equip": Status.EQUIPPED,
        "close": Status.CLOSED,
        "abandon": Status.CLOSED,
    }[action]


# Which states each action starts from, to tell "already decided" from "not allowed".
FROM_STATES = {
    "submit": (Status.DRAFT, Status.RETURNED),
    "approve": (Status.SUBMITTED, Status.AWAITING_NATIONAL),
    "return": (Status.SUBMITTED, Status.AWAITING_NATIONAL),
    "reject": (Status.SUBMITTED, Status.AWAITING_NATIONAL, Status.APPROVED, Status.FUNDED),
    "fund": (Status.APPROVED,),
    # Equipment is handed over at a ceremony (ceremonies.services), which checks its own roles.
    "equip": (Status.APPROVED, Status.FUNDED),
    "close": (Status.EQUIPPED, Status.FOLLOW_UP),
    "abandon": (Status.APPROVED, Status.FUNDED),
}
NEEDS_COMMENT = ("return", "reject", "abandon")


def project_transition(
    *, project: LifeProject, by, action: str, comment: str = "", **data: Any
) -> LifeProject:
    if action not in permissions.CAN:
        raise TransitionError(_("Unknown action."))
    return _transition(project, by, action, permissions.CAN[action], comment=comment, **data)


def project_equipped(*, project: LifeProject, by, handover_date: datetime.date) -> LifeProject:
    """The equipment was handed over at a held ceremony: the project is equipped and its
    follow-up visits are scheduled. Only the ceremony service calls this, after checking that
    ``by`` may hold the ceremony."""
    return _transition(
        project,
        by,
        "equip",
        lambda _user, _project: True,
        handover_date=handover_date,
    )


@transaction.atomic
def _transition(
    project: LifeProject, by, action: str, allowed, *, comment: str = "", **data
) -> LifeProject:
    # The row lock makes a double click or two approvers at once queue here; the second one
    # then finds the new status and is told the project was already decided.
    locked = (
        LifeProject.objects.select_for_update()
        .select_related("beneficiary__track", "beneficiary__centre__province")
        .get(pk=project.pk)
    )
    if not LifeProject.objects.visible_to(by).filter(pk=locked.pk).exists():
        raise TransitionError(_("This project is outside your area of work."))
    if locked.status not in FROM_STATES[action]:
        raise TransitionError(
            _("This project was already decided: it is now %(status)s.")
            % {"status": locked.get_status_display()}
        )
    if not allowed(by, locked):
        raise TransitionError(_("Your role does not allow this action on this project."))
    comment = comment.strip()
    if action in NEEDS_COMMENT and not comment:
        raise TransitionError(_("Write a comment for the centre: say what must change or why."))
    if action == "submit":
        _check_submission(locked)

    old = locked.status
    locked.status = _next_status(action, locked)
    fields = ["status", "updated_at"]
    if action == "submit":
        locked.submitted_at = timezone.now()
        fields.append("submitted_at")
    if locked.status == Status.APPROVED:
        locked.approved_total = locked.requested_total
        fields.append("approved_total")
        # A refusal here rolls back every allocation already made in this transaction.
        partner_services.allocate(project=locked, by=by, splits=data.get("allocations") or [])
    if old in permissions.CHARGED and locked.status in (Status.REJECTED, Status.CLOSED):
        partner_services.release(project=locked, by=by)
    if action == "abandon":
        locked.outcome = LifeProject.Outcome.ABANDONED
        locked.closing_reason = comment
        fields += ["outcome", "closing_reason"]
    if action == "equip":
        locked.handover_date = data["handover_date"]
        fields.append("handover_date")
    if action == "close":
        locked.outcome = data["outcome"]
        locked.closing_reason = data.get("reason", "")
        fields += ["outcome", "closing_reason"]
    locked.save(update_fields=fields)

    if action == "equip":
        _schedule_visits(locked)
    _sync_person(locked)
    amount = locked.approved_total if locked.status == Status.APPROVED else None
    Decision.objects.create(
        project=locked,
        action=action,
        from_status=old,
        to_status=locked.status,
        actor=by,
        comment=comment,
        amount=amount,
    )
    audit.record(
        f"project.{action}"
        if locked.status != Status.AWAITING_NATIONAL
        else "project.approve_regional",
        actor=by,
        target=locked,
        changes={"status": [old, locked.status], **({"comment": comment} if comment else {})},
    )
    transaction.on_commit(lambda: notify(locked.pk, action, by.pk))
    return locked


def _sync_person(project: LifeProject) -> None:
    status = PERSON_STATUS.get(project.status)
    if status:
        Beneficiary.objects.filter(pk=project.beneficiary_id).update(status=status)


def _schedule_visits(project: LifeProject) -> None:
    FollowUpVisit.objects.bulk_create(
        [
            FollowUpVisit(
                project=project,
                milestone_months=months,
                due_on=add_months(project.handover_date, months),
            )
            for months in settings.FOLLOW_UP_MILESTONES
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def visit_record(
    *, visit: FollowUpVisit, by, data: dict[str, Any], version: int | None = None
) -> FollowUpVisit:
    project = LifeProject.objects.select_for_update().get(pk=visit.project_id)
    if not permissions.can_record_visit(by, project):
        raise TransitionError(
            _("Visits can only be recorded for an equipped project in follow-up.")
        )
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
    return locked


def overdue_visits(user, today: datetime.date | None = None):
    today = today or timezone.localdate()
    return (
        FollowUpVisit.objects.visible_to(user)
        .filter(done_on__isnull=True, due_on__lt=today, project__status__in=permissions.FOLLOWED)
        .select_related("project__beneficiary__centre", "project__trade")
        .order_by("due_on", "pk")
    )


# --- Notifications -------------------------------------------------------------------------

# Who hears about each action: the centre's coordinators or the deciders of its region.
TO_CENTRE = ("return", "reject", "approve", "fund")
TO_DECIDERS = ("submit",)


def notify(project_pk: int, action: str, actor_pk: int) -> None:
    """Tell the people who act next. Runs after commit; a mail failure never undoes a decision."""
    project = LifeProject.objects.select_related("beneficiary__centre__province").get(pk=project_pk)
    centre = project.beneficiary.centre
    if project.status == Status.AWAITING_NATIONAL:
        recipients = User.objects.filter(role=Role.NATIONAL)
    elif action in TO_CENTRE:
        recipients = User.objects.filter(role=Role.COORDINATOR, centre=centre)
    elif action in TO_DECIDERS:
        recipients = User.objects.filter(role=Role.REGIONAL, region=centre.province.region_id)
    else:
        return
    messages = []
    for user in recipients.filter(is_active=True).exclude(pk=actor_pk).exclude(email=""):
        with translation.override(user.language):
            subject = _("Life project %(number)s: %(status)s") % {
                "number": project.beneficiary.file_number,
                "status": project.get_status_display(),
            }
            body = _("The project “%(title)s” of file %(number)s is now %(status)s.") % {
                "title": project.title,
                "number": project.beneficiary.file_number,
                "status": project.get_status_display(),
            }
        messages.append((subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]))
    try:
        send_mass_mail(messages, fail_silently=False)
    except OSError:
        logger.exception("Could not send the notifications for project %s", project_pk)
