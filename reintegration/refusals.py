"""One way for a service to say no, and one way for a view to pass it on.

A service that will not do what it was asked raises ``Refused(message)``, the message already
in the user's language; nothing is saved. Views do not tell refusals apart: they run the
service call inside ``refusal_shown_on(form)`` or ``refusal_shown_on(request)``, and the
user reads why on the form, above what they typed, or on the next page. A subclass exists
only where something must behave differently: ``ConcurrentEdit`` (reintegration.concurrency)
also gives the form the version it now carries.

Django's ``ValidationError`` stays for what a form field says about its own value (an
unreadable amount, a file that is not a PDF): the form shows it beside that field."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib import messages
from django.forms import BaseForm
from django.http import HttpRequest


class Refused(Exception):
    """A business rule said no; ``message`` says why, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def show_on(self, form: BaseForm) -> None:
        """Say why above the form's fields; the form keeps what the user typed."""
        form.add_error(None, self.message)


@contextmanager
def refusal_shown_on(target: BaseForm | HttpRequest) -> Iterator[None]:
    """Run the block; if a service in it refuses, skip the rest of the block and say why.

    On a form, the reason becomes its error above the fields, and the view renders the form
    again after the block. On a request, it becomes an error message on the next page."""
    try:
        yield
    except Refused as refusal:
        if isinstance(target, HttpRequest):
            messages.error(target, refusal.message)
        else:
            refusal.show_on(target)
