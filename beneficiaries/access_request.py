"""What the right-of-access PDF shows (law 09-08 art. 7): everything the application holds
about the person, section by section, each section naming the fields of one model it shows.

The PDF lays the sections out as they come, so a field listed here is a field printed. The
apps above this one (life projects, ceremonies) add their sections through
``hooks.ACCESS_REQUEST_SECTIONS``. ``beneficiaries/tests/test_access_request.py`` walks every
model that hangs off a person's file and fails on a field that is neither in a section nor
excluded there with a reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, cast

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaries import hooks
from beneficiaries.needs import DOMAINS
from reintegration.formatting import (
    format_date,
    format_datetime,
    format_mad,
    format_phone,
    format_quantity,
    ltr,
)
from reintegration.money import MoneyField

if TYPE_CHECKING:
    from beneficiaries.models import Beneficiary, DetentionRecord

EMPTY = "—"
DOMAIN_ORDER = {domain: index for index, domain in enumerate(DOMAINS)}
# Codes and numbers read left to right inside Arabic text.
CODES = {
    "file_number",
    "cin",
    "number",
    "code",
    "cheque_number",
    "quote_reference",
    "serial",
}


def display(instance: models.Model, name: str) -> str:
    """The value of ``instance.name`` as the reader reads it: choices in words, dates with the
    Maghrebi months in Arabic, amounts in dirhams, people by name."""
    # A model may say how a field reads when its stored form means nothing to a person (the
    # answers of a needs assessment, stored as codes).
    custom = getattr(instance, "access_display", None)
    shown = custom(name) if custom is not None else None
    if shown is not None:
        return shown
    model_field = instance._meta.get_field(name)
    value = getattr(instance, name)
    if value is None or value == "":
        return EMPTY
    if getattr(model_field, "choices", None) and not model_field.is_relation:
        return str(getattr(instance, f"get_{name}_display")())
    if isinstance(model_field, models.FileField):
        # The file itself is not printed: the person may ask for a copy.
        return _("on file")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(model_field, MoneyField):
        return format_mad(value)
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, Decimal):
        return format_quantity(value)
    if isinstance(value, AbstractBaseUser):
        return value.get_full_name() or value.get_username()  # type: ignore[attr-defined]
    if name == "phone":
        return format_phone(value)
    if name in CODES:
        return ltr(value)
    return str(value)


@dataclass
class Section:
    """Rows of one model, each showing ``fields``. ``table``: one column per field (short
    rows); otherwise one label and value per line for each row."""

    title: str | Promise
    model: type[models.Model]
    fields: tuple[str, ...]
    rows: Sequence[models.Model]
    table: bool = False
    # 2 for a section of its own, 3 for one inside the section above it (a project's lines).
    level: int = 2
    # Labels for fields whose model gives none a reader understands ("created_by").
    labels: Mapping[str, str | Promise] = field(default_factory=dict)

    def label(self, name: str) -> str:
        if name in self.labels:
            return str(self.labels[name])
        model_field = cast(models.Field, self.model._meta.get_field(name))
        return str(capfirst(model_field.verbose_name))

    @cached_property
    def headers(self) -> list[str]:
        return [self.label(name) for name in self.fields]

    @cached_property
    def values(self) -> list[list[str]]:
        """Computed when the template reads them, in the document's language."""
        return [[display(row, name) for name in self.fields] for row in self.rows]

    @cached_property
    def records(self) -> list[list[tuple[str, str]]]:
        return [list(zip(self.headers, values, strict=True)) for values in self.values]


def sections(beneficiary: Beneficiary, *, detention: DetentionRecord | None) -> list[Section]:
    """Every section of the person's PDF: the file, the detention record when the reader may
    see it, consents and documents, then what the apps above add (projects, handovers)."""
    found = [
        Section(
            gettext_lazy("File"),
            type(beneficiary),
            (
                "file_number",
                "centre",
                "first_name_ar",
                "last_name_ar",
                "first_name_latin",
                "last_name_latin",
                "sex",
                "date_of_birth",
                "cin",
                "phone",
                "residence_province",
                "commune",
                "education",
                "family_situation",
                "dependants",
                "track",
                "referent",
                "status",
                "referent",
                "notes",
                "created_at",
                "created_by",
                "updated_at",
                "archived_at",
                "archive_reason",
                "anonymised_at",
                "message_language",
                "sms_consent_at",
                "sms_consent_by",
            ),
            [beneficiary],
            labels={
                "created_at": gettext_lazy("Opened"),
                "created_by": gettext_lazy("Opened by"),
                "updated_at": gettext_lazy("Last changed"),
            },
        )
    ]
    if detention is not None:
        found.append(
            Section(
                gettext_lazy("Detention record"),
                type(detention),
                (
                    "establishment",
                    "entry_date",
                    "release_date",
                    "sentence_months",
                    "training_in_prison",
                    "training_certificate",
                    "updated_at",
                ),
                [detention],
                labels={"updated_at": gettext_lazy("Last changed")},
            )
        )
    consents = list(beneficiary.consents.select_related("text", "collected_by"))
    documents = list(beneficiary.documents.select_related("uploaded_by"))
    found += [
        Section(
            gettext_lazy("Consent"),
            beneficiary.consents.model,
            (
                "given_on",
                "language",
                "text",
                "collected_by",
                "scan",
                "withdrawn_on",
                "recorded_at",
            ),
            consents,
            table=True,
            labels={"recorded_at": gettext_lazy("Recorded")},
        ),
        Section(
            gettext_lazy("Documents"),
            beneficiary.documents.model,
            ("original_name", "kind", "uploaded_at", "uploaded_by"),
            documents,
            table=True,
            labels={"uploaded_at": gettext_lazy("Added"), "uploaded_by": gettext_lazy("Added by")},
        ),
    ]
    found.append(
        Section(
            gettext_lazy("Text messages"),
            beneficiary.text_messages.model,
            ("created_at", "kind", "language", "message", "sent_by"),
            list(beneficiary.text_messages.select_related("message", "sent_by")),
            table=True,
            labels={"message": gettext_lazy("Number and text")},
        )
    )
    found += needs_sections(beneficiary)
    for extra in hooks.ACCESS_REQUEST_SECTIONS:
        found += extra(beneficiary)
    return found


def needs_sections(beneficiary: Beneficiary) -> list[Section]:
    """Each needs assessment, then its score, points and answers per domain (in words, in the
    version it was answered in)."""
    from beneficiaries.models import DomainScore, NeedsAssessment

    assessments = (
        NeedsAssessment.objects.filter(beneficiary=beneficiary)
        .select_related("questionnaire", "recorded_by", "visit")
        .prefetch_related("scores")
        .order_by("assessed_on", "pk")
    )
    found: list[Section] = []
    for assessment in assessments:
        scores: list[DomainScore] = sorted(
            assessment.scores.all(), key=lambda score: DOMAIN_ORDER[score.domain]
        )
        found += [
            Section(
                gettext_lazy("Needs assessment"),
                NeedsAssessment,
                ("assessed_on", "occasion", "questionnaire", "visit", "recorded_by", "recorded_at"),
                [assessment],
            ),
            Section(
                gettext_lazy("Needs by life domain"),
                DomainScore,
                ("domain", "score", "points", "answers"),
                scores,
                table=True,
                level=3,
            ),
        ]
    return found
