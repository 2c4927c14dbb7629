"""Pages of transfers between centres: asking from the file, the lists of each side and of
headquarters, and the answers."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from beneficiaries.models import Beneficiary
from casework import transfers
from casework.models import TransferRequest
from casework.transfer_forms import DeclineForm, TransferRequestForm
from casework.transfer_permissions import (
    can_answer_transfer,
    can_cancel_transfer,
    can_request_transfer,
    can_view_transfers,
)
from reintegration.confirmation import Confirmation, code, pending, person_name
from reintegration.models import Role
from reintegration.pagination import WORKLIST_PAGE_SIZE
from reintegration.permissions import allow, requires
from reintegration.refusals import refusal_shown_on
from reintegration.scoping import get_visible_or_404

RELATED = ("beneficiary", "from_centre", "to_centre", "requested_by", "answered_by")


def _get_transfer(request, pk) -> TransferRequest:
    return get_visible_or_404(TransferRequest.objects.select_related(*RELATED), request.user, pk=pk)


def _what_moves(file: Beneficiary, centre_name: str) -> list[str]:
    return [
        _(
            "Once %(centre)s accepts, the file %(number)s moves there with its open life "
            "project, follow-up visits, documents, detention record and open tasks; your centre "
            "no longer sees it."
        )
        % {"centre": centre_name, "number": code(file.file_number)},
        _(
            "The file keeps its number; money already allocated stays on the convention that "
            "paid it; the file's history keeps both centres."
        ),
    ]


@require_http_methods(["GET", "POST"])
@requires(can_view_transfers)
def transfer_request(request, beneficiary_pk):
    file = get_visible_or_404(
        Beneficiary.objects.select_related("centre"), request.user, pk=beneficiary_pk
    )
    allow(can_request_transfer, request.user, file)
    form = TransferRequestForm(request.POST or None, centres=transfers.target_centres(file))
    already = TransferRequest.objects.pending().filter(beneficiary=file).first()
    refused = transfers.transfer_refusal(file)
    if already is not None:
        refused = _("A transfer of this file to %(centre)s is already awaiting an answer.") % {
            "centre": already.to_centre.name
        }
    if request.method == "POST" and form.is_valid():
        centre = form.centre()
        confirmation = Confirmation(
            title=_("Transfer the file %(number)s of %(name)s to %(centre)s?")
            % {"number": code(file.file_number), "name": person_name(file), "centre": centre.name},
            consequences=_what_moves(file, centre.name),
            rows=[(_("Reason for the transfer"), form.cleaned_data["reason"])],
            confirm_label=_("Yes, ask for the transfer"),
            cancel_url=reverse("beneficiary_detail", args=[file.pk]),
            destructive=False,
            carry={"to_centre": centre.pk, "reason": form.cleaned_data["reason"]},
            refused=refused,
        )
        if page := pending(request, confirmation):
            return page
        with refusal_shown_on(form):
            transfers.transfer_request(
                beneficiary=file,
                to_centre=centre,
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
            messages.success(
                request,
                _(
                    "The transfer was requested: the file stays with your centre until "
                    "%(centre)s answers."
                )
                % {"centre": centre.name},
            )
            return redirect("beneficiary_detail", pk=file.pk)
    return render(
        request,
        "casework/transfers/request.html",
        {"form": form, "b": file, "refused": refused},
    )


@requires(can_view_transfers)
def transfer_list(request):
    """Coordinators: what their centre was asked and what it asked. Headquarters and regional
    staff: every pending transfer of their scope. Everyone: the latest answered ones."""
    user = request.user
    visible = TransferRequest.objects.visible_to(user).select_related(*RELATED)
    pending_ones = visible.pending().order_by("requested_at", "pk")
    if user.role == Role.COORDINATOR:
        sections = [
            ("incoming", _("Asked of your centre"), pending_ones.filter(to_centre=user.centre_id)),
            (
                "outgoing",
                _("Asked by your centre"),
                pending_ones.filter(from_centre=user.centre_id),
            ),
        ]
    else:
        sections = [("pending", _("Awaiting an answer"), pending_ones)]
    answered = visible.filter(~Q(status=TransferRequest.Status.REQUESTED)).order_by(
        "-answered_at", "-pk"
    )
    sections.append(("answered", _("Answered recently"), answered))
    shown = []
    for key, title, rows in sections:
        first = list(rows[:WORKLIST_PAGE_SIZE])
        # The requests waiting are answered from the oldest: past a screenful, say how many wait
        # in all (one more query, only then). The answered ones are the latest, no more.
        waiting = (
            rows.count() if key != "answered" and len(first) == WORKLIST_PAGE_SIZE else len(first)
        )
        shown.append((key, title, first, waiting))
    return render(request, "casework/transfers/list.html", {"sections": shown})


@requires(can_view_transfers)
def transfer_detail(request, pk):
    transfer = _get_transfer(request, pk)
    return render(
        request,
        "casework/transfers/detail.html",
        {
            "transfer": transfer,
            "can_answer": can_answer_transfer(request.user, transfer),
            "can_cancel": can_cancel_transfer(request.user, transfer),
            # The receiving centre reads the file only once it is theirs.
            "file_visible": Beneficiary.objects.visible_to(request.user)
            .filter(pk=transfer.beneficiary_id)
            .exists(),
        },
    )


def _answered_meanwhile(request, transfer):
    """A request answered since the page was opened (a colleague was faster, a double click):
    whoever could have answered it is told so on its page, rather than refused as forbidden."""
    if transfer.status == TransferRequest.Status.REQUESTED:
        return None
    if request.user.role not in (Role.COORDINATOR, Role.NATIONAL):
        return None
    messages.info(
        request,
        _("This transfer was already answered (%(status)s): nothing was changed.")
        % {"status": transfer.get_status_display()},
    )
    return redirect("transfer_detail", pk=transfer.pk)


def _answer_page(
    transfer, *, title, lines, label, destructive, form=None, refused=""
) -> Confirmation:
    return Confirmation(
        title=title,
        consequences=lines,
        confirm_label=label,
        cancel_url=reverse("transfer_detail", args=[transfer.pk]),
        destructive=destructive,
        form=form,
        refused=refused,
    )


def _names(transfer) -> dict[str, str]:
    return {
        "number": code(transfer.beneficiary.file_number),
        "name": person_name(transfer.beneficiary),
        "from": transfer.from_centre.name,
        "to": transfer.to_centre.name,
    }


@require_http_methods(["GET", "POST"])
@requires(can_view_transfers)
def transfer_accept(request, pk):
    transfer = _get_transfer(request, pk)
    if answered := _answered_meanwhile(request, transfer):
        return answered
    allow(can_answer_transfer, request.user, transfer)
    confirmation = _answer_page(
        transfer,
        title=_("Take over the file %(number)s of %(name)s from %(from)s?") % _names(transfer),
        lines=[
            _(
                "The file moves to %(to)s with its open life project, follow-up visits, "
                "documents, detention record and open tasks; %(from)s no longer sees it."
            )
            % _names(transfer),
            _("You become the file's referent and its open tasks are assigned to you.")
            if request.user.role == Role.COORDINATOR
            else _("The file arrives without a referent: name one on the centre's caseload page."),
        ],
        label=_("Yes, take the file over"),
        destructive=False,
        refused=transfers.transfer_refusal(transfer.beneficiary),
    )
    if page := pending(request, confirmation):
        return page
    with refusal_shown_on(request):
        transfers.transfer_accept(transfer=transfer, by=request.user)
        messages.success(
            request,
            _("The file %(number)s now belongs to %(to)s.") % _names(transfer),
        )
        return redirect("beneficiary_detail", pk=transfer.beneficiary_id)
    return redirect("transfer_detail", pk=transfer.pk)


@require_http_methods(["GET", "POST"])
@requires(can_view_transfers)
def transfer_decline(request, pk):
    transfer = _get_transfer(request, pk)
    if answered := _answered_meanwhile(request, transfer):
        return answered
    allow(can_answer_transfer, request.user, transfer)
    form = DeclineForm(request.POST if request.POST.get("confirmed") else None)
    confirmation = _answer_page(
        transfer,
        title=_("Decline the transfer of the file %(number)s?") % _names(transfer),
        lines=[
            _("The file stays with %(from)s, which is told your reason.") % _names(transfer),
        ],
        label=_("Decline the transfer"),
        destructive=True,
        form=form,
    )
    if page := pending(request, confirmation):
        return page
    with refusal_shown_on(request):
        transfers.transfer_decline(
            transfer=transfer, by=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("The transfer was declined."))
    return redirect("transfer_detail", pk=transfer.pk)


@require_http_methods(["GET", "POST"])
@requires(can_view_transfers)
def transfer_cancel(request, pk):
    transfer = _get_transfer(request, pk)
    if answered := _answered_meanwhile(request, transfer):
        return answered
    allow(can_cancel_transfer, request.user, transfer)
    confirmation = _answer_page(
        transfer,
        title=_("Withdraw the request to transfer the file %(number)s?") % _names(transfer),
        lines=[_("The file stays with %(from)s; %(to)s is told.") % _names(transfer)],
        label=_("Yes, withdraw the request"),
        destructive=True,
    )
    if page := pending(request, confirmation):
        return page
    with refusal_shown_on(request):
        transfers.transfer_cancel(transfer=transfer, by=request.user)
        messages.success(request, _("The request was withdrawn."))
    return redirect("transfer_detail", pk=transfer.pk)
