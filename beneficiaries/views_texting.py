"""Text messages from a person's file: the person's agreement and language, and the preview of
a message, exactly as it will be sent, before the coordinator sends it."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from beneficiaries import permissions, texting
from beneficiaries.forms import TextContactForm
from beneficiaries.models import Beneficiary
from reintegration.confirmation import Confirmation, pending
from reintegration.permissions import allow, requires
from reintegration.refusals import refusal_shown_on
from reintegration.scoping import get_visible_or_404


def _get_beneficiary(request, pk) -> Beneficiary:
    return get_visible_or_404(Beneficiary.objects.select_related("centre"), request.user, pk=pk)


@requires(permissions.can_view_beneficiaries)
def text_contact_edit(request, pk):
    beneficiary = _get_beneficiary(request, pk)
    allow(permissions.can_text_beneficiary, request.user, beneficiary)
    form = TextContactForm(
        request.POST or None,
        initial={
            "message_language": beneficiary.message_language,
            "sms_consent": beneficiary.sms_consent_at is not None,
        },
    )
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            texting.text_contact_update(
                beneficiary=beneficiary,
                by=request.user,
                language=form.cleaned_data["message_language"],
                consent=form.cleaned_data["sms_consent"],
            )
            messages.success(request, _("The file was saved."))
            return redirect("beneficiary_detail", pk=beneficiary.pk)
    return render(
        request,
        "beneficiaries/text_contact_form.html",
        {"form": form, "b": beneficiary, "heading": _("Text messages")},
    )


def _preview(beneficiary, kind: str, kinds) -> Confirmation:
    """The page that shows the message as it will leave. Its fingerprint covers the number and
    the exact text: if either changed before the click, the page comes back with the new one."""
    back = reverse("beneficiary_detail", args=[beneficiary.pk])
    draft, refused = None, texting.refusal(beneficiary)
    if not refused and kind:
        refused = texting.kind_refusal(beneficiary, kind)
        if not refused:
            draft = texting.text_draft(beneficiary=beneficiary, kind=kind)
    if not refused and not kinds:
        refused = _(
            "No message applies to this person now: there is no follow-up visit to come, "
            "planned ceremony or approved project to tell them about."
        )
    return Confirmation(
        title=_("Send a text message to the person?"),
        # What the page shows and the fingerprint signs: the number and the exact text.
        consequences=[draft.phone, draft.text] if draft is not None else [],
        confirm_label=_("Send the text message"),
        cancel_url=back,
        destructive=False,
        carry={"kind": kind},
        refused=refused,
        template="beneficiaries/text_preview.html",
        context={"b": beneficiary, "draft": draft, "kinds": kinds, "kind": kind},
    )


@requires(permissions.can_view_beneficiaries)
def text_preview(request, pk):
    """GET: choose the kind of message and read it; POST with ``confirmed=1``: send it."""
    beneficiary = _get_beneficiary(request, pk)
    allow(permissions.can_text_beneficiary, request.user, beneficiary)
    kinds = texting.kinds_for(beneficiary)
    kind = request.POST.get("kind") or request.GET.get("kind") or ""
    if not kind and len(kinds) == 1:
        kind = kinds[0][0].code
    confirmation = _preview(beneficiary, kind, kinds)
    if confirmation.context["draft"] is None and not confirmation.refused:
        # Nothing chosen yet: the page offers the kinds, without a button to send.
        return render(request, confirmation.template, {**confirmation.context})
    if page := pending(request, confirmation):
        return page
    with refusal_shown_on(request):
        texting.text_send(
            beneficiary=beneficiary,
            kind=kind,
            by=request.user,
            expected=confirmation.context["draft"].text,
        )
        messages.success(
            request,
            _("The text message was queued: its status shows under “Text messages”."),
        )
    return redirect(reverse("beneficiary_detail", args=[beneficiary.pk]) + "#text-messages")
