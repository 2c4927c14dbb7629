"""Two people editing one record: the second save is refused instead of silently overwriting
the first, and the second person keeps what they typed.

A record has a ``version`` that every save moves on. A form carries the version it was opened
with; a service finding another one raises ``ConcurrentEdit``. Shown on the form (see
``reintegration.refusals.refusal_shown_on``), it says so in one message and gives the form the
current version: saving again then knowingly replaces the colleague's change."""

from __future__ import annotations

from django.db.models import Model
from django.forms import BaseForm
from django.utils.translation import gettext_lazy

from reintegration.refusals import Refused

CONCURRENT_EDIT = gettext_lazy(
    "Someone else saved this while you were working on it, so your change was not saved. What "
    "you typed is still here: open the page in a new tab to see their change, then try again."
)


class ConcurrentEdit(Refused):
    """Someone else saved ``record`` after this form was opened (its version moved on)."""

    def __init__(self, record):
        # Translated now, in the language of the user whose save is refused: a lazy message
        # would be rendered after that language is gone.
        super().__init__(str(CONCURRENT_EDIT))
        self.record = record

    def show_on(self, form: BaseForm) -> None:
        rebase(form, self.record)
        super().show_on(form)


def rebase(form: BaseForm, record) -> None:
    """After a refused save, give the form the record's current version: the user has been
    told and keeps their input, and saving again then knowingly replaces the colleague's
    change."""
    data = form.data.copy()
    current = type(record)._default_manager.filter(pk=record.pk).values_list("version", flat=True)
    data[form.add_prefix("version")] = str(current.get())
    form.data = data


def posted_version(text: str | None) -> int | None:
    """A version number sent back by a page, None when it is not one: a tampered or mangled
    value is answered like a stale page, never with an error."""
    text = (text or "").strip()
    # isdecimal() alone would take Arabic-Indic digits and int() huge ones; neither is a version.
    if not (text.isascii() and text.isdecimal()) or len(text) > 18:
        return None
    return int(text)


def lock_rows(model: type[Model], *pks: int) -> None:
    """Take the row locks of these records, in key order, before reading them.

    Lock the bare rows, then read them with their joins and scope. Locking a query that joins
    another table (``select_related``, or a scope through the centre) goes wrong on
    PostgreSQL: when a concurrent transaction changes the joined key (the file's centre, the
    task's assignee), the re-read after the wait checks the join against the old row and the
    record seems to vanish."""
    list(
        model._default_manager.select_for_update()
        .filter(pk__in=pks)
        .order_by("pk")
        .values_list("pk")
    )
