"""Pages to refer a person to a partner's service and follow it up, and to record their
placements in employment: reached from the "Referrals and employment" section of the file."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Prefetch, QuerySet
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from beneficiaries import hooks
from beneficiaries.models import Beneficiary
from projects import placements, referrals
from projects.models import Placement, PlacementCheck, Referral
from projects.permissions import WRITERS
from projects.referral_forms import (
    PlacementCheckForm,
    PlacementEndForm,
    PlacementForm,
    ReferralAnswerForm,
    ReferralForm,
    ReferralOutcomeForm,
)
from projects.referral_permissions import (
    can_answer_referral,
    can_follow_placement,
    can_record_outcome,
    can_record_placement,
    can_refer,
    can_view_referrals,
)
from reintegration.concurrency import posted_version
from reintegration.confirmation import Confirmation, ask, code, is_confirmed, pending, person_name
from reintegration.formatting import format_date
from reintegration.pagination import WORKLIST_PAGE_SIZE, paginate
from reintegration.permissions import allow, has_role, requires
from reintegration.refusals import refusal_shown_on
from reintegration.scoping import get_visible_or_404

SECTION = "referrals"


def file_url(beneficiary_id: int) -> str:
    return reverse("beneficiary_detail", args=[beneficiary_id]) + f"#{SECTION}"


def _file(request, pk) -> Beneficiary:
    return get_visible_or_404(Beneficiary.objects.select_related("centre"), request.user, pk=pk)


def _referral(request, pk) -> Referral:
    return get_visible_or_404(
        Referral.objects.select_related("beneficiary", "service__partner"), request.user, pk=pk
    )


def _placement(request, pk) -> Placement:
    return get_visible_or_404(
        Placement.objects.select_related("beneficiary", "referral__service__partner"),
        request.user,
        pk=pk,
    )


def _page(request, form, *, b, heading, referral=None, placement=None, status=200):
    return render(
        request,
        "projects/referrals/form.html",
        {"form": form, "b": b, "heading": heading, "referral": referral, "placement": placement},
        status=status,
    )


def _already(request, beneficiary_id: int, message: str):
    """Done meanwhile (a colleague, a second click): whoever could have done it is told so on
    the file rather than refused as forbidden."""
    if not has_role(request.user, WRITERS):
        return None
    messages.info(request, message)
    return redirect(file_url(beneficiary_id))


@require_http_methods(["GET", "POST"])
@requires(can_view_referrals)
def referral_create(request, beneficiary_pk):
    file = _file(request, beneficiary_pk)
    allow(can_refer, request.user, file)
    form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            referrals.referral_create(
                beneficiary=file,
                service=form.cleaned_data["service"],
                request=form.cleaned_data["request"],
                referred_on=form.cleaned_data["referred_on"],
                by=request.user,
            )
            messages.success(
                request, _("The referral was recorded: record the partner's answer when it comes.")
            )
            return redirect(file_url(file.pk))
    return _page(request, form, b=file, heading=_("Refer to a partner's service"))


def _referral_step(request, pk, *, done, check, form_class, heading, act):
    """The page of one step of a referral (the answer, the outcome): ``done(referral)`` says
    why the step was already taken ("" if not), ``check`` who may take it, and ``act(referral,
    data)`` calls the service and answers the request."""
    referral = _referral(request, pk)
    if (already := done(referral)) and (
        page := _already(request, referral.beneficiary_id, already)
    ):
        return page
    allow(check, request.user, referral)
    form = form_class(request.POST or None, initial={"version": referral.version})
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            return act(referral, form.cleaned_data)
    return _page(request, form, b=referral.beneficiary, heading=heading, referral=referral)


def _answered(referral: Referral) -> str:
    if referral.status == Referral.Status.REQUESTED:
        return ""
    return _("This referral was already answered (%(status)s): nothing was changed.") % {
        "status": referral.get_status_display()
    }


@require_http_methods(["GET", "POST"])
@requires(can_view_referrals)
def referral_answer(request, pk):
    def act(referral, data):
        answered = referrals.referral_answer(
            referral=referral,
            accepted=data["answer"],
            answered_on=data["answered_on"],
            by=request.user,
            version=data.get("version"),
        )
        if answered.status == Referral.Status.ACCEPTED:
            messages.success(
                request, _("The acceptance was recorded: record the outcome once it is known.")
            )
        else:
            messages.success(request, _("The partner's refusal was recorded."))
        return redirect(file_url(referral.beneficiary_id))

    return _referral_step(
        request,
        pk,
        done=_answered,
        check=can_answer_referral,
        form_class=ReferralAnswerForm,
        heading=_("Record the partner's answer"),
        act=act,
    )


def _outcome_known(referral: Referral) -> str:
    if not referral.outcome:
        return ""
    return _("The outcome of this referral is already recorded (%(outcome)s).") % {
        "outcome": referral.get_outcome_display()
    }


@require_http_methods(["GET", "POST"])
@requires(can_view_referrals)
def referral_outcome(request, pk):
    def act(referral, data):
        recorded = referrals.referral_outcome(
            referral=referral,
            outcome=data["outcome"],
            comment=data["comment"],
            outcome_on=data["outcome_on"],
            by=request.user,
            version=data.get("version"),
        )
        messages.success(request, _("The outcome of the referral was recorded."))
        if (
            recorded.outcome != Referral.Outcome.NOT_ACHIEVED
            and recorded.service.kind == recorded.service.Kind.EMPLOYMENT
        ):
            # A job was found through the referral: what it is comes next.
            messages.info(request, _("Now record the job the person was placed in."))
            url = reverse("placement_create", args=[referral.beneficiary_id])
            return redirect(f"{url}?referral={referral.pk}")
        return redirect(file_url(referral.beneficiary_id))

    return _referral_step(
        request,
        pk,
        done=_outcome_known,
        check=can_record_outcome,
        form_class=ReferralOutcomeForm,
        heading=_("Record the outcome of the referral"),
        act=act,
    )


@require_http_methods(["GET", "POST"])
@requires(can_view_referrals)
def placement_create(request, beneficiary_pk):
    file = _file(request, beneficiary_pk)
    allow(can_record_placement, request.user, file)
    accepted = file.referrals.filter(status=Referral.Status.ACCEPTED).select_related(
        "service__partner"
    )
    initial = {}
    # The referral it came from, when the outcome's page leads here (?referral=).
    chosen = accepted.filter(pk=posted_version(request.GET.get("referral")) or 0).first()
    if chosen is not None:
        initial = {"referral": chosen.pk, "employer": chosen.service.partner.name}
    form = PlacementForm(request.POST or None, referrals=accepted, initial=initial)
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            placements.placement_create(
                beneficiary=file,
                employer=form.cleaned_data["employer"],
                job=form.cleaned_data["job"],
                started_on=form.cleaned_data["started_on"],
                monthly_pay=form.cleaned_data["monthly_pay"],
                referral=form.cleaned_data.get("referral"),
                by=request.user,
            )
            messages.success(
                request,
                _(
                    "The placement was recorded: each follow-up visit will ask whether the "
                    "person still holds the job."
                ),
            )
            return redirect(file_url(file.pk))
    return _page(request, form, b=file, heading=_("Record a placement in employment"))


def _placement_name(placement: Placement) -> str:
    return _("%(job)s at %(employer)s") % {"job": placement.job, "employer": placement.employer}


@require_http_methods(["GET", "POST"])
@requires(can_view_referrals)
def placement_end(request, pk):
    placement = _placement(request, pk)
    if placement.ended_on and (
        page := _already(
            request,
            placement.beneficiary_id,
            _("This placement already ended on %(date)s: nothing was changed.")
            % {"date": format_date(placement.ended_on)},
        )
    ):
        return page
    allow(can_follow_placement, request.user, placement)
    form = PlacementEndForm(
        request.POST if is_confirmed(request) else None, initial={"version": placement.version}
    )
    person = placement.beneficiary
    confirmation = Confirmation(
        title=_("End the placement of %(name)s (%(number)s)?")
        % {"name": person_name(person), "number": code(person.file_number)},
        consequences=[
            _("%(job)s, since %(date)s.")
            % {"job": _placement_name(placement), "date": format_date(placement.started_on)},
            _(
                "Follow-up visits will no longer ask whether the person holds this job; the "
                "checks already recorded stay. This cannot be undone."
            ),
        ],
        confirm_label=_("Yes, end the placement"),
        cancel_url=file_url(person.pk),
        form=form,
    )
    if page := pending(request, confirmation):
        return page
    with refusal_shown_on(form):
        placements.placement_end(
            placement=placement,
            ended_on=form.cleaned_data["ended_on"],
            by=request.user,
            version=form.cleaned_data.get("version"),
        )
        messages.success(request, _("The end of the placement was recorded."))
        return redirect(file_url(person.pk))
    return ask(request, confirmation, status=400)


@require_http_methods(["GET", "POST"])
@requires(can_view_referrals)
def placement_check(request, pk):
    placement = _placement(request, pk)
    allow(can_follow_placement, request.user, placement)
    form = PlacementCheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            placements.placement_check(
                placement=placement,
                checked_on=form.cleaned_data["checked_on"],
                answer=form.answer(),
                by=request.user,
            )
            messages.success(request, _("The check was recorded."))
            return redirect(file_url(placement.beneficiary_id))
    return _page(
        request,
        form,
        b=placement.beneficiary,
        heading=_("Does the person still hold this job?"),
        placement=placement,
    )


@requires(can_view_referrals)
def referral_list(request):
    """The referrals still to follow up, within the reader's scope: those waiting for the
    partner's answer, then the accepted ones without an outcome, the oldest first in each."""
    waiting = (
        Referral.objects.visible_to(request.user)
        .filter(outcome="", status__in=[Referral.Status.REQUESTED, Referral.Status.ACCEPTED])
        .select_related("beneficiary__centre", "service__partner")
        # Waiting for an answer first ("requested" sorts after "accepted"), the oldest first.
        .order_by("-status", "referred_on", "pk")
    )
    page = paginate(request, waiting, per_page=WORKLIST_PAGE_SIZE)
    for referral in page.object_list:
        referral.can_answer = can_answer_referral(request.user, referral)
        referral.can_record_outcome = can_record_outcome(request.user, referral)
    return render(request, "projects/referrals/list.html", {"page": page})


def file_section(user, beneficiary: Beneficiary) -> dict:
    """The "Referrals and employment" section of the file page
    (``beneficiaries.hooks.FILE_PAGE_CONTEXT``): three queries at most, whatever the number of
    rows."""
    if not can_view_referrals(user):
        return {}
    checks = PlacementCheck.objects.order_by("-checked_on", "-pk")
    rows = (
        list(
            beneficiary.referrals.select_related("service__partner").order_by("-referred_on", "-pk")
        )
        if hooks.section_may_show(beneficiary, "has_referrals")
        else []
    )
    jobs = (
        list(
            beneficiary.placements.order_by("-started_on", "-pk").prefetch_related(
                Prefetch("checks", queryset=checks, to_attr="latest_checks")
            )
        )
        if hooks.section_may_show(beneficiary, "has_placements")
        else []
    )
    # The buttons ask the same checks as the pages they lead to (the file is known: no query).
    for referral in rows:
        referral.beneficiary = beneficiary
        referral.can_answer = can_answer_referral(user, referral)
        referral.can_record_outcome = can_record_outcome(user, referral)
    for placement in jobs:
        placement.beneficiary = beneficiary
        placement.can_follow = can_follow_placement(user, placement)
        placement.last_check = next(iter(placement.latest_checks), None)
    return {
        "referral_section": {
            "referrals": rows,
            "placements": jobs,
            "can_refer": can_refer(user, beneficiary),
            "can_record_placement": can_record_placement(user, beneficiary),
        }
    }


def file_section_flags(user) -> dict[str, QuerySet[Any]]:
    """Whether the file has referrals and placements, read with the file
    (``beneficiaries.hooks.FILE_PAGE_FLAGS``)."""
    if not can_view_referrals(user):
        return {}
    return {"has_referrals": Referral.objects.all(), "has_placements": Placement.objects.all()}
