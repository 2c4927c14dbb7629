"""The work on a person's file: tasks for the people who follow them.

A task belongs to a file (and, where it is about the life project, to the project). Staff write
tasks themselves; the system writes one for each milestone that needs someone to act (a visit
due, a project returned to the centre...), keyed by ``subject`` so that there is never more than
one open task for the same milestone, and closes it when the milestone is settled.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Beneficiary
from reintegration.models import Centre, Role
from reintegration.scoping import NATIONWIDE_ROLES, ScopedQuerySet

# The longest title and reason for postponing staff may type.
TITLE_LENGTH = 300
REASON_LENGTH = 300


class TaskQuerySet(ScopedQuerySet):
    scope_paths = {
        "centre": "beneficiary__centre",
        "region": "beneficiary__centre__province__region",
    }

    def open(self) -> TaskQuerySet:
        return self.filter(status=Task.Status.OPEN)


class Task(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("to do")
        DONE = "done", _("done")
        # Closed by the system: the milestone it was about was settled another way.
        SETTLED = "settled", _("settled")

    # "manual" for a task written by staff; otherwise the code of the milestone that made the
    # system write it (registered by the app that knows the milestone).
    MANUAL = "manual"

    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("file")
    )
    project = models.ForeignKey(
        "projects.LifeProject",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("life project"),
    )
    kind = models.CharField(_("kind"), max_length=40, default=MANUAL)
    # For a system task, what it is about (e.g. "visit:42"): one open task per kind and subject.
    subject = models.CharField(max_length=64, blank=True)
    # A task written by staff keeps the title they typed. A system task keeps its title empty
    # and its ``params`` (e.g. {"visit": 42, "months": 6}): the title is rendered from its
    # kind in the language of whoever reads it (casework.milestones.title).
    title = models.CharField(_("what to do"), max_length=TITLE_LENGTH, blank=True)
    params = models.JSONField(default=dict, blank=True)
    due_on = models.DateField(_("due on"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("assigned to"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    # The reason given the last time the task was postponed (each postponement is audited).
    postponed_reason = models.CharField(
        _("reason for postponing"), max_length=REASON_LENGTH, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed on"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject"],
                condition=Q(status="open") & ~Q(subject=""),
                name="one_open_task_per_milestone",
            )
        ]
        indexes = [
            models.Index(
                fields=["assignee", "due_on"], condition=Q(status="open"), name="task_open_idx"
            ),
            models.Index(fields=["beneficiary", "status"], name="task_file_idx"),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.kind}:{self.subject}"

    @property
    def audit_label(self) -> str:
        # No title: staff may name the person in it, and the audit log is never rewritten.
        return f"{self.beneficiary.file_number} #{self.pk}"

    @property
    def is_system(self) -> bool:
        return self.kind != self.MANUAL


class TransferRequestQuerySet(models.QuerySet):
    """Transfers are seen from both ends: a coordinator sees those of their centre, asked or
    received; regional staff those touching their region; headquarters and auditors all;
    provincial officials none (they see no personal file)."""

    def visible_to(self, user) -> TransferRequestQuerySet:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role in NATIONWIDE_ROLES:
            return self.all()
        if user.role == Role.COORDINATOR and user.centre_id:
            return self.filter(Q(from_centre=user.centre_id) | Q(to_centre=user.centre_id))
        if user.role == Role.REGIONAL and user.region_id:
            return self.filter(
                Q(from_centre__province__region=user.region_id)
                | Q(to_centre__province__region=user.region_id)
            )
        return self.none()

    def pending(self) -> TransferRequestQuerySet:
        return self.filter(status=TransferRequest.Status.REQUESTED)


class TransferRequest(models.Model):
    """A centre asks another to take over a person's file (the person settled elsewhere). The
    file moves only when the other centre accepts; every request stays, answered or not, so the
    file keeps both centres in its history."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("awaiting an answer")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        CANCELLED = "cancelled", _("cancelled")

    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("file")
    )
    from_centre = models.ForeignKey(
        Centre, on_delete=models.PROTECT, related_name="+", verbose_name=_("from centre")
    )
    to_centre = models.ForeignKey(
        Centre, on_delete=models.PROTECT, related_name="+", verbose_name=_("to centre")
    )
    reason = models.TextField(_("reason for the transfer"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested on"), auto_now_add=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered on"), null=True, blank=True)
    answer_reason = models.TextField(_("reason given with the answer"), blank=True)

    objects = TransferRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("transfer request")
        verbose_name_plural = _("transfer requests")
        constraints = [
            # Two centres cannot both be asked for the same person at the same time.
            models.UniqueConstraint(
                fields=["beneficiary"],
                condition=Q(status="requested"),
                name="one_pending_transfer_per_file",
            ),
            models.CheckConstraint(
                condition=~Q(from_centre=models.F("to_centre")),
                name="transfer_between_two_centres",
            ),
        ]
        indexes = [
            models.Index(
                fields=["to_centre"], condition=Q(status="requested"), name="transfer_incoming_idx"
            ),
            models.Index(
                fields=["from_centre"],
                condition=Q(status="requested"),
                name="transfer_outgoing_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary_id}: {self.from_centre_id} → {self.to_centre_id}"

    @property
    def audit_label(self) -> str:
        return self.beneficiary.file_number
