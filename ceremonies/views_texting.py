"""Texting a planned ceremony's beneficiaries a reminder of it: the page says who will receive
it, who will not and why, and shows the text in each language before anything is sent."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ceremonies import permissions, texting
from ceremonies.models import Ceremony
from reintegration.confirmation import Confirmation, pending
from reintegration.permissions import allow, requires
from reintegration.refusals import refusal_shown_on
from reintegration.scoping import get_visible_or_404


def _reminder(ceremony, audience) -> Confirmation:
    count = len(audience.recipients)
    consequences = [
        ngettext(
            "%(count)s beneficiary will receive this text message:",
            "%(count)s beneficiaries will receive this text message:",
            count,
        )
        % {"count": count},
        # Who, in the fingerprint: the page lists them by file number.
        " ".join(p.file_number for p in audience.recipients),
        *(draft.text for _language, draft in sorted(audience.drafts.items())),
    ]
    return Confirmation(
        title=_("Text the beneficiaries a reminder of the ceremony?"),
        consequences=consequences,
        rows=[(p.file_number, reason) for p, reason in audience.skipped],
        confirm_label=_("Send the reminders"),
        cancel_url=reverse("ceremony_detail", args=[ceremony.pk]),
        destructive=False,
        refused=audience.refused,
        template="ceremonies/ceremony_text.html",
        context={
            "ceremony": ceremony,
            "audience": audience,
            "sent": texting.ceremony_texts(ceremony),
        },
    )


@requires(permissions.can_view_ceremonies)
def ceremony_text(request, pk):
    ceremony = get_visible_or_404(Ceremony.objects.select_related("centre"), request.user, pk=pk)
    allow(permissions.can_remind_ceremony, request.user, ceremony)
    audience = texting.ceremony_audience(ceremony)
    if page := pending(request, _reminder(ceremony, audience)):
        return page
    with refusal_shown_on(request):
        count = texting.ceremony_remind(ceremony=ceremony, by=request.user)
        messages.success(
            request,
            ngettext(
                "%(count)s reminder was queued: its status shows below.",
                "%(count)s reminders were queued: their status shows below.",
                count,
            )
            % {"count": count},
        )
    return redirect("ceremony_text", pk=ceremony.pk)
