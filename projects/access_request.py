"""The person's life projects in their right-of-access PDF (beneficiaries/access_request.py):
each project with its budget, decisions, follow-up visits and the money charged to
conventions for it; then their referrals to partners' services and their placements in
employment, each with the checks of whether they still held the job."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from beneficiaries.access_request import Section
from beneficiaries.models import Beneficiary
from partners.models import Allocation, LedgerMovement
from projects.models import (
    BudgetLine,
    Decision,
    FollowUpVisit,
    LifeProject,
    Placement,
    PlacementCheck,
    Referral,
)

STARTED = {
    "created_at": _("Started"),
    "created_by": _("Started by"),
    "updated_at": _("Last changed"),
}


def project_sections(beneficiary: Beneficiary) -> list[Section]:
    projects = (
        LifeProject.objects.filter(beneficiary=beneficiary)
        .select_related("trade", "created_by")
        .prefetch_related(
            "lines",
            Prefetch("decisions", queryset=Decision.objects.select_related("actor")),
            Prefetch("visits", queryset=FollowUpVisit.objects.select_related("recorded_by")),
            Prefetch(
                "allocations",
                queryset=Allocation.objects.select_related("convention", "created_by"),
            ),
            Prefetch(
                "ledger_movements",
                queryset=LedgerMovement.objects.select_related("convention", "actor"),
            ),
        )
        .order_by("created_at", "pk")
    )
    found: list[Section] = []
    for project in projects:
        found += [
            Section(
                _("Life project"),
                LifeProject,
                (
                    "title",
                    "status",
                    "trade",
                    "location",
                    "description",
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
                    "expected_monthly_income",
                    "requested_total",
                    "approved_total",
                    "ceiling_justification",
                    "submitted_at",
                    "handover_date",
                    "outcome",
                    "closing_reason",
                    "exit_reason",
                    "created_at",
                    "created_by",
                    "updated_at",
                ),
                [project],
                labels=STARTED,
            ),
            Section(
                _("Budget"),
                BudgetLine,
                (
                    "designation",
                    "category",
                    "quantity",
                    "unit_price",
                    "supplier",
                    "quote_reference",
                ),
                list(project.lines.all()),
                table=True,
                level=3,
            ),
            Section(
                _("Decisions"),
                Decision,
                ("created_at", "from_status", "to_status", "actor", "amount", "comment"),
                list(project.decisions.all()),
                table=True,
                level=3,
                labels={
                    "created_at": _("Date"),
                    "from_status": _("Status before"),
                    "to_status": _("Status after"),
                    "actor": _("By"),
                    "amount": _("Amount"),
                },
            ),
            Section(
                _("Follow-up visits"),
                FollowUpVisit,
                (
                    "milestone_months",
                    "due_on",
                    "done_on",
                    "kind",
                    "business_active",
                    "monthly_income",
                    "jobs_created",
                    "equipment_in_use",
                    "difficulties",
                    "next_steps",
                    "reincarcerated_on",
                    "reincarceration_source",
                    "recorded_by",
                ),
                list(project.visits.all()),
                level=3,
                labels={"recorded_by": _("Recorded by")},
            ),
            Section(
                _("Financing"),
                Allocation,
                ("convention", "amount", "disbursed", "created_at", "created_by", "released_at"),
                list(project.allocations.all()),
                table=True,
                level=3,
                labels={
                    "convention": _("Convention"),
                    "amount": _("Amount"),
                    "disbursed": _("Disbursed"),
                    "created_at": _("Charged on"),
                    "created_by": _("By"),
                    "released_at": _("Released on"),
                },
            ),
            Section(
                _("Movements on the conventions"),
                LedgerMovement,
                ("created_at", "convention", "kind", "amount", "actor"),
                list(project.ledger_movements.all()),
                table=True,
                level=3,
                labels={
                    "created_at": _("Date"),
                    "convention": _("Convention"),
                    "kind": _("Movement"),
                    "amount": _("Amount"),
                    "actor": _("By"),
                },
            ),
        ]
    return found


def referral_sections(beneficiary: Beneficiary) -> list[Section]:
    referrals = (
        Referral.objects.filter(beneficiary=beneficiary)
        .select_related("service__partner", "created_by")
        .order_by("referred_on", "pk")
    )
    placements = (
        Placement.objects.filter(beneficiary=beneficiary)
        .select_related("created_by")
        .prefetch_related(
            Prefetch("checks", queryset=PlacementCheck.objects.select_related("recorded_by"))
        )
        .order_by("started_on", "pk")
    )
    found = [
        Section(
            _("Referrals to partners' services"),
            Referral,
            (
                "service",
                "request",
                "referred_on",
                "status",
                "answered_on",
                "outcome",
                "outcome_comment",
                "outcome_on",
                "created_by",
                "created_at",
            ),
            list(referrals),
            labels={
                "outcome": _("Result"),
                "created_by": _("Referred by"),
                "created_at": _("Recorded on"),
            },
        )
    ]
    for placement in placements:
        found += [
            Section(
                _("Placement in employment"),
                Placement,
                (
                    "employer",
                    "job",
                    "started_on",
                    "monthly_pay",
                    "ended_on",
                    "created_by",
                    "created_at",
                ),
                [placement],
                labels={"created_by": _("Recorded by"), "created_at": _("Recorded on")},
            ),
            Section(
                _("Checks of the employment"),
                PlacementCheck,
                ("checked_on", "employed", "monthly_pay", "recorded_by", "created_at"),
                list(placement.checks.all()),
                table=True,
                level=3,
                labels={"recorded_by": _("By"), "created_at": _("Recorded on")},
            ),
        ]
    return found
