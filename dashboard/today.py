"""The "today" panel at the top of each role's home page: what is waiting for the user now.

Computed live on each request, never from the figures' five-minute cache (a coordinator who
has just recorded a visit must see it leave the panel). Each block reads its rule from the
app that owns it (``projects.services.visits_due``, ``ceremonies.services.awaiting_ceremony``,
``Convention.objects.needing_attention``...) and costs one query, its first few rows with
their number in all, whatever the amount of data: the panel's cost is fixed per role.

Officials see planned ceremonies of their province (date, place, how many people), no name.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum, Window
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from beneficiaries.models import Beneficiary
from casework import milestones
from casework.models import Task
from ceremonies import services as ceremony_services
from ceremonies.models import Ceremony, Handover
from partners.models import Convention
from projects import services as project_services
from projects.models import LifeProject, Status
from reintegration import outbox
from reintegration.formatting import format_date, format_phone, ltr
from reintegration.models import Role, User

SEE_ALL = _("See all")
# How many rows each block shows; "see all" leads to the full list.
FIRST_FEW = 5
# Visits due within this many days are shown with the overdue ones.
VISITS_AHEAD_DAYS = 7


@dataclass(frozen=True)
class Item:
    title: str
    url: str
    # A code shown left to right (file number, convention reference).
    code: str = ""
    note: str = ""
    # A phone as people dial it, and the number for the tel: link.
    phone: str = ""
    dial: str = ""
    late: bool = False


@dataclass(frozen=True)
class Block:
    key: str
    title: str | Promise
    count: int
    items: list[Item]
    empty: str | Promise
    see_all: str = ""
    see_all_label: str | Promise = SEE_ALL

    @property
    def more(self) -> int:
        return self.count - len(self.items)


@dataclass
class Panel:
    blocks: list[Block] = field(default_factory=list)

    @property
    def waiting(self) -> list[Block]:
        return [block for block in self.blocks if block.count]

    @property
    def clear(self) -> list[Block]:
        return [block for block in self.blocks if not block.count]


# What a row of a block shows of the person: the rows read these columns alone (``only``), so
# the query has a few columns to write and read instead of every field of the file.
PERSON = (
    "beneficiary__file_number",
    "beneficiary__first_name_ar",
    "beneficiary__last_name_ar",
    "beneficiary__first_name_latin",
    "beneficiary__last_name_latin",
)


def _number(value: int) -> str:
    return ltr(value) if translation.get_language_bidi() else str(value)


def _percent(value: int) -> str:
    # As the figures' tables write it (dashboard.templatetags): the sign after a space, and in
    # Arabic inside the number's isolate, or it would jump to the number's left.
    text = f"{value}\u00a0%"
    return ltr(text) if translation.get_language_bidi() else text


def _name(person: Beneficiary) -> str:
    """The person's name in the script of the page: Arabic in Arabic when it was typed."""
    if translation.get_language_bidi() and person.first_name_ar:
        return person.full_name_ar
    return person.full_name_latin


def _project_item(project: LifeProject, note: str) -> Item:
    return Item(
        title=_name(project.beneficiary),
        code=project.beneficiary.file_number,
        note=note,
        url=reverse("project_detail", args=[project.pk]),
    )


def _days_late(due_on: datetime.date, today: datetime.date) -> str:
    days = (today - due_on).days
    if days > 0:
        return ngettext("%(days)s day late", "%(days)s days late", days) % {"days": _number(days)}
    if days == 0:
        return str(_("due today"))
    return str(_("due on %(date)s")) % {"date": format_date(due_on, style="short")}


def _block(
    key: str,
    title: str | Promise,
    rows: QuerySet,
    item: Callable[..., Item],
    *,
    empty: str | Promise,
    see_all: str = "",
    see_all_label: str | Promise | None = None,
) -> Block:
    # One query: the first few rows, each with the number of rows in all (a window over the
    # rows the query finds, counted before the limit).
    first = list(rows.annotate(found=Window(Count("pk")))[:FIRST_FEW])
    count = first[0].found if first else 0
    items = [item(row) for row in first]
    extra = {"see_all_label": see_all_label} if see_all_label else {}
    return Block(key, title, count, items, empty, see_all, **extra)


# --- Blocks --------------------------------------------------------------------------------


def returned_projects(user: User) -> Block:
    rows = (
        LifeProject.objects.visible_to(user)
        .filter(status=Status.RETURNED)
        .select_related("beneficiary")
        .order_by("updated_at", "pk")
    )
    return _block(
        "returned",
        _("Projects returned to the centre"),
        rows,
        lambda project: _project_item(project, project.title),
        empty=_("No project is waiting for corrections."),
        see_all=reverse("project_list") + f"?status={Status.RETURNED}",
    )


def files_without_consent(user: User) -> Block:
    rows = (
        Beneficiary.objects.visible_to(user).active().without_consent().order_by("created_at", "pk")
    )
    return _block(
        "consent",
        _("Files without consent"),
        rows,
        lambda person: Item(
            title=_name(person),
            code=person.file_number,
            note=str(_("Record the consent")),
            url=reverse("consent_add", args=[person.pk]),
        ),
        empty=_("Every file has its consent."),
    )


def visits_to_make(user: User, today: datetime.date) -> Block:
    rows = project_services.visits_due(user, today=today, within_days=VISITS_AHEAD_DAYS)
    return _block(
        "visits",
        _("Follow-up visits overdue or due this week"),
        rows,
        lambda visit: Item(
            title=_name(visit.project.beneficiary),
            code=visit.project.beneficiary.file_number,
            note=_days_late(visit.due_on, today),
            phone=format_phone(visit.project.beneficiary.phone),
            dial=visit.project.beneficiary.phone,
            late=visit.due_on < today,
            url=reverse("visit_record", args=[visit.project_id, visit.pk]),
        ),
        empty=_("No visit is due this week."),
        see_all=reverse("overdue_visits"),
        see_all_label=_("All overdue visits"),
    )


def projects_awaiting_ceremony(user: User) -> Block:
    rows = (
        ceremony_services.awaiting_ceremony(user)
        .select_related("beneficiary")
        .order_by("updated_at", "pk")
    )
    return _block(
        "ceremony_wait",
        _("Approved projects waiting for a ceremony"),
        rows,
        lambda project: _project_item(project, project.get_status_display()),
        empty=_("No approved project is waiting for a ceremony."),
        see_all=reverse("ceremony_list"),
        see_all_label=_("Ceremonies"),
    )


def certificates_to_issue(user: User) -> Block:
    missing = ceremony_services.certificates_missing(user)
    per_ceremony = (
        Handover.objects.filter(pk__in=missing.values("pk"), ceremony=OuterRef("pk"))
        .values("ceremony")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # Every handover missing its certificate belongs to one of these ceremonies: their sum over
    # all of them (a window, before the limit) is the block's count, in the same query.
    ceremonies = (
        Ceremony.objects.filter(pk__in=missing.values("ceremony"))
        .annotate(missing=Subquery(per_ceremony))
        .annotate(found=Window(Sum("missing")))
        .order_by("held_on", "pk")
        .values("pk", "place", "held_on", "missing", "found")
    )

    def item(ceremony: dict[str, Any]) -> Item:
        return Item(
            title=ceremony["place"],
            code=format_date(ceremony["held_on"], style="short"),
            note=ngettext(
                "%(count)s certificate to issue",
                "%(count)s certificates to issue",
                ceremony["missing"],
            )
            % {"count": _number(ceremony["missing"])},
            url=reverse("ceremony_detail", args=[ceremony["pk"]]),
        )

    first = list(ceremonies[:FIRST_FEW])
    count = first[0]["found"] if first else 0
    items = [item(ceremony) for ceremony in first]
    return Block(
        "certificates",
        _("Certificates to issue"),
        count,
        items,
        _("Every handover has its certificate."),
        reverse("ceremony_list") + f"?status={Ceremony.Status.HELD}",
    )


def open_tasks(user: User, today: datetime.date) -> Block:
    # The user's own open tasks and those of their area nobody has taken, overdue first; each
    # leads where it is done (the visit to record, the consent to collect...).
    rows = (
        Task.objects.visible_to(user)
        .open()
        .filter(Q(assignee=user) | Q(assignee__isnull=True))
        .select_related("beneficiary")
        .order_by("due_on", "pk")
    )
    return _block(
        "tasks",
        _("Open tasks"),
        rows,
        lambda task: Item(
            title=milestones.title(task),
            code=task.beneficiary.file_number,
            note=f"{_name(task.beneficiary)} · {_days_late(task.due_on, today)}",
            late=task.due_on < today,
            url=milestones.link(task),
        ),
        empty=_("No open task."),
        see_all=reverse("task_list"),
    )


def approvals_waiting(user: User, today: datetime.date, centres: list[int] | None = None) -> Block:
    rows = (
        project_services.approval_waiting(user, centres=centres)
        .select_related("beneficiary")
        .only("submitted_at", *PERSON)
        .order_by("submitted_at", "pk")
    )

    def item(project: LifeProject) -> Item:
        submitted = timezone.localdate(project.submitted_at) if project.submitted_at else today
        days = (today - submitted).days
        if days < 1:
            return _project_item(project, str(_("waiting since today")))
        return _project_item(
            project,
            ngettext("waiting for %(days)s day", "waiting for %(days)s days", days)
            % {"days": _number(days)},
        )

    national = user.role == Role.NATIONAL
    return _block(
        "inbox",
        _("Projects awaiting national approval") if national else _("Projects awaiting decision"),
        rows,
        item,
        empty=_("No project is waiting for a decision."),
        see_all=reverse("approval_inbox"),
        see_all_label=_("Approval inbox"),
    )


def ceremonies_to_hold(user: User) -> Block:
    """Planned ceremonies: date, place, centre and how many people; no name, so officials
    have it too."""
    rows = (
        ceremony_services.ceremonies_to_hold(user)
        .select_related("centre")
        .only("place", "held_on", "centre__name_ar", "centre__name_fr")
        .annotate(people=Count("handovers"))
        .order_by("held_on", "pk")
    )
    return _block(
        "ceremonies",
        _("Ceremonies to hold"),
        rows,
        lambda ceremony: Item(
            title=ceremony.place,
            code=format_date(ceremony.held_on, style="short"),
            note=f"{ceremony.centre.name} · "
            + ngettext("%(count)s beneficiary", "%(count)s beneficiaries", ceremony.people)
            % {"count": _number(ceremony.people)},
            url=reverse("ceremony_detail", args=[ceremony.pk]),
        ),
        empty=_("No ceremony is planned."),
        see_all=reverse("ceremony_list") + f"?status={Ceremony.Status.PLANNED}",
    )


def failed_messages(user: User) -> Block:
    rows = (
        outbox.troubled()
        .select_related(None)
        .only("subject", "body", "channel", "to", "status")
        .order_by("created_at", "pk")
    )
    return _block(
        "outbox",
        _("Messages that could not be sent"),
        rows,
        lambda message: Item(
            # A text message has no subject: its first words instead, as the outbox page does.
            title=message.subject or Truncator(message.body).chars(60),
            code=format_phone(message.to) if message.channel == message.Channel.SMS else message.to,
            note=message.get_status_display(),
            url=reverse("outbox_failures"),
        ),
        empty=_("Every message was sent."),
        see_all=reverse("outbox_failures"),
    )


def conventions_to_watch(user: User, today: datetime.date) -> Block:
    # The visible conventions by their keys rather than DISTINCT over the provinces' join, so
    # that the count rides along with the rows (``_block``).
    visible = Convention.objects.visible_to(user).values("pk")
    rows = (
        Convention.objects.filter(pk__in=visible)
        .needing_attention(today)
        .only("title", "reference", "committed", "envelope", "ends_on")
        .order_by("ends_on", "pk")
    )

    def item(convention: Convention) -> Item:
        return Item(
            title=convention.title,
            code=convention.reference,
            note=str(_("%(percent)s committed, ends on %(date)s"))
            % {
                "percent": _percent(convention.consumption),
                "date": format_date(convention.ends_on, style="short"),
            },
            late=convention.ends_on < today,
            url=reverse("convention_detail", args=[convention.pk]),
        )

    return _block(
        "conventions",
        _("Conventions near their limit or their end"),
        rows,
        item,
        empty=_("No convention is near its limit or its end."),
        see_all=reverse("convention_list"),
    )


# --- The panel of each role ------------------------------------------------------------------


def today_panel(
    user: User, today: datetime.date | None = None, *, centres: list[int] | None = None
) -> Panel | None:
    """The blocks of ``user``'s role; None for a role with nothing to act on (auditors).
    ``centres``: the keys of the centres the user sees, when the caller has read them already
    (the dashboard's kept figures do)."""
    today = today or timezone.localdate()
    if user.role == Role.COORDINATOR:
        blocks = [
            visits_to_make(user, today),
            returned_projects(user),
            files_without_consent(user),
            projects_awaiting_ceremony(user),
            certificates_to_issue(user),
            open_tasks(user, today),
        ]
    elif user.role == Role.REGIONAL:
        blocks = [approvals_waiting(user, today, centres), ceremonies_to_hold(user)]
    elif user.role == Role.OFFICIAL:
        blocks = [ceremonies_to_hold(user)]
    elif user.role == Role.NATIONAL:
        blocks = [
            approvals_waiting(user, today),
            failed_messages(user),
            conventions_to_watch(user, today),
        ]
    else:
        return None
    return Panel(blocks)
