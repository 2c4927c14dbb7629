"""Headquarters' list of messages that could not be sent, with a button to try again."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reintegration import outbox
from reintegration.pagination import WORKLIST_PAGE_SIZE, paginate
from reintegration.permissions import can_manage_outbox, requires
from reintegration.refusals import refusal_shown_on


@requires(can_manage_outbox)
def outbox_failures(request):
    page = paginate(request, outbox.troubled(), per_page=WORKLIST_PAGE_SIZE)
    return render(request, "reintegration/outbox.html", {"page": page})


@require_POST
@requires(can_manage_outbox)
def outbox_retry(request, pk):
    message = get_object_or_404(outbox.troubled(), pk=pk)
    with refusal_shown_on(request):
        outbox.outbox_retry(message=message, by=request.user)
        messages.success(
            request, _("The message to %(to)s will be sent again.") % {"to": message.to}
        )
    return redirect("outbox_failures")
