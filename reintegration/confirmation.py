"""Asking before an action that one click must not do: holding a ceremony moves money,
cancelling or rejecting cannot be taken back, a removal deletes what was recorded.

The action keeps one URL. A GET, or a POST without ``confirmed``, answers with a page that says
what will happen in figures and names; the POST with ``confirmed=1`` does it. No JavaScript is
needed. Views build the sentences from the data the service will read, so the page never
guesses: the template only shows them."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.shortcuts import render
from django.utils import translation

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


def is_confirmed(request) -> bool:
    return request.method == "POST" and request.POST.get("confirmed") == "1"


def ask(request, confirmation: Confirmation, *, status: int = 200):
    return render(request, "confirm.html", {"confirmation": confirmation}, status=status)


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
