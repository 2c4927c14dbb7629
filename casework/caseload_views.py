"""The caseload pages: a centre's files per referent, and the bulk change of referents."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import ngettext

from beneficiaries.models import Beneficiary
from casework import caseload
from casework.transfer_forms import ReassignForm
from casework.transfer_permissions import can_reassign_referents, can_view_caseload
from reintegration.confirmation import code
from reintegration.models import Centre, Role
from reintegration.pagination import WORKLIST_PAGE_SIZE, paginate
from reintegration.permissions import allow, requires
from reintegration.refusals import refusal_shown_on
from reintegration.scoping import get_visible_or_404

NO_REFERENT = "none"


@requires(can_view_caseload)
def caseload_home(request):
    """A coordinator goes straight to their centre; the others choose among theirs."""
    user = request.user
    if user.role == Role.COORDINATOR:
        return redirect("caseload_centre", centre_pk=user.centre_id)
    counts = {
        row["centre"]: row
        for row in Beneficiary.objects.visible_to(user)
        .active()
        .order_by()
        .values("centre")
        .annotate(files=Count("pk"), unfollowed=Count("pk", filter=Q(referent__isnull=True)))
    }
    centres = [
        (
            centre,
            counts.get(centre.pk, {}).get("files", 0),
            counts.get(centre.pk, {}).get("unfollowed", 0),
        )
        for centre in Centre.objects.visible_to(user).filter(active=True)
    ]
    return render(request, "casework/caseload/home.html", {"centres": centres})


@requires(can_view_caseload)
def caseload_centre(request, centre_pk):
    user = request.user
    centre = get_visible_or_404(Centre.objects.select_related("province"), user, pk=centre_pk)
    files = caseload.centre_files(centre, user)
    shown = request.GET.get("referent", "")
    listed = files
    if shown == NO_REFERENT:
        listed = files.filter(referent__isnull=True)
    elif shown.isdecimal():
        listed = files.filter(referent=int(shown))
    can_reassign = can_reassign_referents(user, centre)
    form = ReassignForm(
        request.POST if request.method == "POST" else None,
        files=files,
        candidates=caseload.referent_candidates(centre),
    )
    if request.method == "POST":
        allow(can_reassign_referents, user, centre)
        if form.is_valid():
            with refusal_shown_on(form):
                changed = caseload.referents_assign(
                    beneficiaries=form.cleaned_data["files"], to=form.cleaned_data["to"], by=user
                )
                messages.success(
                    request,
                    ngettext(
                        "%(count)s file is now followed by %(name)s.",
                        "%(count)s files are now followed by %(name)s.",
                        changed,
                    )
                    % {
                        "count": code(changed),
                        "name": form.cleaned_data["to"].get_full_name()
                        or form.cleaned_data["to"].get_username(),
                    },
                )
                return redirect(request.get_full_path())
    page = paginate(
        request,
        listed.select_related("referent")
        .annotate(**caseload.figure_annotations(timezone.localdate()))
        .order_by("last_name_latin", "first_name_latin", "pk"),
        per_page=WORKLIST_PAGE_SIZE,
    )
    figures = caseload.FIGURES
    rows = caseload.referent_rows(centre, user)
    return render(
        request,
        "casework/caseload/centre.html",
        {
            "centre": centre,
            # Each row with its figures (label, value) in the order of the columns.
            "rows": [(row, [(f.label, row.figures[f.code]) for f in figures]) for row in rows],
            "files": [
                (file, [(f.label, getattr(file, f.code)) for f in figures])
                for file in page.object_list
            ],
            "total": sum(row.files for row in rows),
            "figures": figures,
            "page": page,
            "shown": shown,
            "form": form,
            "can_reassign": can_reassign,
            # What was ticked comes back ticked when the form is shown again with an error.
            "ticked": set(request.POST.getlist("files")) if request.method == "POST" else set(),
        },
    )
