"""The pages of handover verification: a round's sample with a form per person to record the
call or visit, and the draw (which asks before it draws: a sample is drawn once)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from beneficiaries.models import Beneficiary
from ceremonies import permissions, verification
from ceremonies.models import Ceremony, VerificationCheck, VerificationRound
from ceremonies.verification_forms import CheckForm, DrawForm
from reintegration.confirmation import Confirmation, code, pending
from reintegration.formatting import format_date
from reintegration.permissions import allow, requires
from reintegration.refusals import refusal_shown_on
from reintegration.scoping import get_visible_or_404


def _get_ceremony(request, pk: int, months: int) -> Ceremony:
    if months not in verification.MILESTONES:
        raise Http404
    return get_visible_or_404(
        Ceremony.objects.select_related("centre", "province"), request.user, pk=pk
    )


def _label(months: int) -> str:
    return str(VerificationRound.Milestone(months).label)


def _initial(check: VerificationCheck) -> dict:
    if not check.is_checked:
        return {"version": check.version}
    return {name: getattr(check, name) for name in verification.CHECK_FIELDS} | {
        "version": check.version
    }


def _round_page(request, ceremony: Ceremony, months: int, bound: CheckForm | None = None):
    user = request.user
    drawn = VerificationRound.objects.filter(ceremony=ceremony, months=months).first()
    can_record = permissions.can_record_check(user)
    details = permissions.can_see_check_details(user)
    rows = []
    if drawn is not None:
        checks = list(verification.round_checks(drawn))
        # A file may have moved to another centre since the ceremony: its name stays, as on
        # the ceremony's page, but its phone, comments and form are for those who read it.
        readable = set(
            Beneficiary.objects.visible_to(user)
            .filter(pk__in=[check.handover.project.beneficiary_id for check in checks])
            .values_list("pk", flat=True)
        )
        for check in checks:
            mine = check.handover.project.beneficiary_id in readable
            form = None
            if can_record and mine:
                if bound is not None and bound.prefix == f"check-{check.pk}":
                    form = bound
                else:
                    form = CheckForm(prefix=f"check-{check.pk}", initial=_initial(check))
            rows.append((check, form, details and mine))
    tally = next(r.tally for r in verification.ceremony_rounds(ceremony) if r.months == months)
    return render(
        request,
        "ceremonies/verification_round.html",
        {
            "ceremony": ceremony,
            "months": months,
            "label": _label(months),
            "due_on": verification.due_on(ceremony, months),
            "round": drawn,
            "rows": rows,
            "tally": tally,
            "open_check": bound.prefix if bound is not None else "",
            "can_draw": drawn is None and permissions.can_draw_sample(user, ceremony),
            "draw_refusal": verification.draw_refusal(ceremony, months) if drawn is None else "",
        },
        status=400 if bound is not None else 200,
    )


@requires(permissions.can_view_verification)
def verification_round(request, pk, months):
    return _round_page(request, _get_ceremony(request, pk, months), months)


@require_POST
@requires(permissions.can_view_verification)
def verification_check(request, pk, months, check_pk):
    ceremony = _get_ceremony(request, pk, months)
    allow(permissions.can_record_check, request.user)
    check = get_object_or_404(
        VerificationCheck.objects.select_related("handover__project__beneficiary"),
        pk=check_pk,
        round__ceremony=ceremony,
        round__months=months,
    )
    form = CheckForm(request.POST, prefix=f"check-{check.pk}")
    if form.is_valid():
        with refusal_shown_on(form):
            data = form.cleaned_data
            verification.check_record(
                check=check,
                method=data["method"],
                checked_on=data["checked_on"],
                received=data["received"],
                equipment=data["equipment"],
                comment=data["comment"],
                by=request.user,
                version=data["version"],
            )
            messages.success(
                request,
                _("The check of %(number)s was recorded.")
                % {"number": code(check.handover.project.beneficiary.file_number)},
            )
            return redirect(
                reverse("verification_round", args=[ceremony.pk, months]) + f"#check-{check.pk}"
            )
    return _round_page(request, ceremony, months, bound=form)


def _draw_confirmation(ceremony: Ceremony, months: int, form: DrawForm, refused: str):
    size, population = form.size_to_draw(), form.population
    data = form.cleaned_data
    lines = [
        _(
            "%(size)s of the %(population)s beneficiaries of this ceremony will be drawn at "
            "random, to be called or visited."
        )
        % {"size": code(size), "population": code(population)},
        _(
            "The draw is final: it cannot be undone nor drawn again. Its seed is kept, so that "
            "anyone can check that the people were chosen by chance."
        ),
    ]
    rows = []
    if data["confidence"] is not None:
        rows = [
            (_("Confidence level"), f"{data['confidence']} %"),
            (_("Margin of error"), f"{data['margin']} %"),
        ]
    carry = {name: value for name, value in data.items() if value is not None}
    return Confirmation(
        title=_("Draw the verification sample (%(milestone)s) of the ceremony of %(date)s?")
        % {"milestone": _label(months), "date": format_date(ceremony.held_on)},
        consequences=lines,
        rows=rows,
        confirm_label=_("Yes, draw %(size)s beneficiaries") % {"size": code(size)},
        cancel_url=reverse("verification_draw", args=[ceremony.pk, months]),
        destructive=False,
        carry=carry,
        refused=refused,
    )


@require_http_methods(["GET", "POST"])
@requires(permissions.can_view_verification)
def verification_draw(request, pk, months):
    ceremony = _get_ceremony(request, pk, months)
    allow(permissions.can_draw_sample, request.user, ceremony)
    population = ceremony.handovers.count()
    refused = verification.draw_refusal(ceremony, months)
    form = DrawForm(request.POST or None, population=population)
    if request.method == "POST" and form.is_valid():
        if page := pending(request, _draw_confirmation(ceremony, months, form, refused)):
            return page
        with refusal_shown_on(form):
            data = form.cleaned_data
            drawn = verification.round_draw(
                ceremony=ceremony,
                months=months,
                by=request.user,
                size=data["size"],
                confidence=data["confidence"],
                margin=data["margin"],
            )
            messages.success(
                request,
                _("%(size)s beneficiaries were drawn: record each call or visit below.")
                % {"size": code(drawn.size)},
            )
            return redirect("verification_round", pk=ceremony.pk, months=months)
    return render(
        request,
        "ceremonies/verification_draw.html",
        {
            "ceremony": ceremony,
            "months": months,
            "label": _label(months),
            "form": form,
            "population": population,
            "sizes": verification.draw_sizes(population),
            "refused": refused,
        },
    )
