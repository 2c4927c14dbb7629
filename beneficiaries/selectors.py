"""Reads of beneficiary files that pages share, always within what the user may see."""

from __future__ import annotations

import re

from django.db.models import Q

from beneficiaries.forms import normalise_cin
from beneficiaries.models import Beneficiary, DetentionRecord
from beneficiaries.permissions import can_view_detention
from reintegration.models import User
from reintegration.text import fold

_SPACES = re.compile(r"\s+")


def file_named_by(user: User, text: str) -> int | None:
    """The file whose number or CIN is exactly ``text`` (any case, spaces ignored, Arabic-Indic
    digits read), among the files ``user`` may see: the primary key, or None when no file or
    several answer. One query, and none for text without a digit (a name)."""
    folded = _SPACES.sub("", fold(text)).upper()
    if not any(char.isdigit() for char in folded) or len(folded) > 20:
        return None
    found = list(
        Beneficiary.objects.visible_to(user)
        .filter(Q(file_number=folded) | Q(cin=normalise_cin(folded)))
        .values_list("pk", flat=True)[:2]
    )
    return found[0] if len(found) == 1 else None


def detention_for_reader(user: User, beneficiary: Beneficiary) -> DetentionRecord | None:
    """The person's detention record for a document ``user`` prints about them: the record,
    or None when there is none or ``user``'s role may not read one (nothing is then read)."""
    if not can_view_detention(user):
        return None
    return (
        DetentionRecord.objects.visible_to(user)
        .select_related("establishment")
        .filter(beneficiary=beneficiary)
        .first()
    )
