"""Asking before an action that one click must not do: holding a ceremony moves money,
cancelling or rejecting cannot be taken back, a removal deletes what was recorded.

The action keeps one URL. A GET, or a POST without ``confirmed``, answers with a page that says
what will happen in figures and names; the POST with ``confirmed=1`` does it. No JavaScript is
needed. Views build the sentences from the data the service will read, so the page never
guesses: the template only shows them.

The page carries a fingerprint of what it showed. A colleague may change a handover or a
budget between the page and the click; the confirmed request builds the page again and acts
only if the fingerprint still matches, so what moves is what the user read."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django import forms
from django.shortcuts import render
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy

from reintegration.formatting import ltr, resolve_language


@dataclass
class Confirmation:
    title: str
    consequences: list[str]
    confirm_label: str
    cancel_url: str
    destructive: bool = True
    # What the figures are made of (designation, amount), when a sentence is not enough.
    rows: list[tuple[str, str]] = field(default_factory=list)
    # Values the first request carried (a version number), sent again with the confirmation.
    carry: dict[str, object] = field(default_factory=dict)
    # What the user still writes or may correct on the way (a reason, a comment).
    form: forms.Form | None = None
    # Why the service would refuse the action now: the page says it and offers only the way
    # back, rather than a button that cannot work.
    refused: str = ""
    # Said above the figures when they changed since the page was opened.
    notice: str = ""
    # A page that shows more than sentences and rows (an SMS as it will read) extends
    # confirm.html; ``context`` is what it shows besides.
    template: str = "confirm.html"
    context: dict[str, object] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        """What the page showed, signed: the sentences and rows hold every figure and name."""
        shown = json.dumps([self.title, self.consequences, self.rows], ensure_ascii=False)
        return salted_hmac("reintegration.confirmation", shown, algorithm="sha256").hexdigest()


FINGERPRINT = "fingerprint"
FIGURES_CHANGED = gettext_lazy(
    "The figures changed since you opened this page: check them and confirm again."
)


def is_confirmed(request) -> bool:
    return request.method == "POST" and request.POST.get("confirmed") == "1"


def ask(request, confirmation: Confirmation, *, status: int = 200):
    context = {**confirmation.context, "confirmation": confirmation}
    return render(request, confirmation.template, context, status=status)


def pending(request, confirmation: Confirmation):
    """The confirmation page while the action must not happen yet, None once it may.

    It must not happen before the confirmed request, when it would be refused, when what the
    page showed has changed since (the page comes back with the new figures), or while the
    form on the page is invalid."""
    if not is_confirmed(request):
        return ask(request, confirmation)
    if confirmation.refused:
        return ask(request, confirmation, status=409)
    if not constant_time_compare(request.POST.get(FINGERPRINT, ""), confirmation.fingerprint):
        confirmation.notice = str(FIGURES_CHANGED)
        return ask(request, confirmation, status=409)
    if confirmation.form is not None and not confirmation.form.is_valid():
        return ask(request, confirmation, status=400)
    return None


def code(text: object) -> str:
    """A file number or a convention reference inside a sentence: kept in its order in Arabic,
    left as typed elsewhere."""
    if resolve_language(translation.get_language()) == "ar":
        return ltr(text)
    return str(text)


def person_name(beneficiary) -> str:
    """The person's name in the script of the reader's language, the other one if it is blank."""
    arabic, latin = beneficiary.full_name_ar.strip(), beneficiary.full_name_latin.strip()
    if resolve_language(translation.get_language()) == "ar":
        return arabic or latin
    return latin or arabic


def codes(values) -> str:
    """Several file numbers or references, with the comma of the reader's language."""
    separator = "، " if resolve_language(translation.get_language()) == "ar" else ", "
    return separator.join(code(value) for value in values)
