"""Text messages to a beneficiary: reminders of a follow-up visit or a ceremony, and
confirmations, in the person's language, only while their agreement to be texted is on record.

A message is drafted (``text_draft``: the exact text, the number, its length in SMS) for the
coordinator to read, then sent (``text_send``) through the outbox (``reintegration.sms``),
which delivers it and records its status. The kinds of message are written by the apps that
hold what they are about, registered in ``hooks.TEXT_KINDS`` from their ``AppConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import phonenumbers
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from beneficiaries import hooks, permissions
from beneficiaries.models import Beneficiary, TextMessage
from reintegration import audit, sms
from reintegration.models import OutboxMessage
from reintegration.refusals import Refused
from reintegration.text import clean_text

if TYPE_CHECKING:
    from reintegration.models import User

MOBILE_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
)


@dataclass(frozen=True)
class TextKind:
    """One kind of message. ``about(person)`` is what it is about now (the next follow-up
    visit, the planned ceremony), None when it does not apply to the person; ``write(person,
    about)`` is its text in the active language."""

    code: str
    about: Callable[[Beneficiary], Any]
    write: Callable[[Beneficiary, Any], str]

    @property
    def label(self) -> str:
        return str(TextMessage.Kind(self.code).label)


@dataclass(frozen=True)
class Draft:
    """A message exactly as it would leave: the text, the number and how many SMS it costs."""

    kind: str
    phone: str
    language: str
    text: str
    length: sms.Length


def is_mobile(phone: str) -> bool:
    """A number that can receive a text message (Moroccan mobiles start with 06 or 07)."""
    try:
        number = phonenumbers.parse(phone, "MA")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) in MOBILE_TYPES


def number_for_text(phone: str) -> str:
    """A phone number to print inside a text message: one run of digits in the national form
    (0539334455). In Arabic text the phone's bidirectional layout would reorder groups split by
    spaces ("0539 33 44 55" reads "55 44 33 0539") and move a leading "+" to the end."""
    try:
        number = phonenumbers.parse(phone, "MA")
    except phonenumbers.NumberParseException:
        return "".join(c for c in phone if c.isdigit())
    if number.country_code == 212:
        return f"0{number.national_number}"
    return f"00{number.country_code}{number.national_number}"


def refusal(beneficiary: Beneficiary) -> str:
    """Why the person cannot be texted now ("" when they can)."""
    if beneficiary.is_archived:
        return _("This file is archived: no text message can be sent to the person.")
    if beneficiary.sms_consent_at is None:
        return _(
            "The person has not agreed to receive text messages: record their agreement on the "
            "file first."
        )
    if not beneficiary.phone:
        return _("The file has no phone number: add the person's mobile number first.")
    if not is_mobile(beneficiary.phone) or not sms.is_international(beneficiary.phone):
        return _(
            "The phone number on the file is not a mobile number (06… or 07…): a text message "
            "cannot reach it."
        )
    return ""


def queued_text_refusal(message: OutboxMessage) -> str:
    """Why a text message waiting in the outbox must no longer leave ("" when it may): the
    person withdrew their agreement, their file was archived, or the number it was written to
    is no longer theirs (``reintegration.outbox.SEND_CHECKS``). For the outbox's list of
    failures, which keeps technical errors in English."""
    if message.channel != OutboxMessage.Channel.SMS:
        return ""
    texted = TextMessage.objects.filter(message=message).select_related("beneficiary").first()
    if texted is None:
        return ""
    person = texted.beneficiary
    if person.is_archived:
        return "not sent: the file is archived"
    if person.sms_consent_at is None:
        return "not sent: the person no longer agrees to receive text messages"
    if person.phone != message.to:
        return "not sent: the number is no longer the one on the file"
    return ""


def kinds_for(beneficiary: Beneficiary) -> list[tuple[TextKind, Any]]:
    """The kinds of message that apply to the person now, each with what it is about."""
    found = []
    for code in TextMessage.Kind.values:
        kind = hooks.TEXT_KINDS.get(code)
        if kind is not None and (about := kind.about(beneficiary)) is not None:
            found.append((kind, about))
    return found


def kind_refusal(beneficiary: Beneficiary, kind: str) -> str:
    """Why a message of ``kind`` cannot be written to the person now ("" when it can)."""
    registered = hooks.TEXT_KINDS.get(kind)
    if registered is None:
        return _("Unknown kind of message.")
    if registered.about(beneficiary) is None:
        return _("A “%(kind)s” does not apply to this person now.") % {"kind": registered.label}
    return ""


def text_draft(*, beneficiary: Beneficiary, kind: str, about: Any = None) -> Draft:
    """The message of ``kind`` to the person, in their language, exactly as it would be sent.
    ``about`` is what it is about, when the caller already has it (a ceremony's page)."""
    if about is None:
        if reason := kind_refusal(beneficiary, kind):
            raise Refused(reason)
        about = hooks.TEXT_KINDS[kind].about(beneficiary)
    registered = hooks.TEXT_KINDS[kind]
    language = beneficiary.message_language
    with translation.override(language):
        # Direction isolates and invisible characters cost one character each of a 70-character
        # Arabic SMS and show as boxes on some phones: the phone lays out digits itself.
        text = clean_text(registered.write(beneficiary, about)).strip()
    return Draft(
        kind=kind,
        phone=beneficiary.phone,
        language=language,
        text=text,
        length=sms.measure(text),
    )


def _lock(beneficiary: Beneficiary, by: User | None) -> Beneficiary:
    """The person's file, locked; for a member of staff, only if it is in their area (the
    automatic reminders, ``by=None``, write to every file)."""
    files = Beneficiary.objects.all() if by is None else Beneficiary.objects.visible_to(by)
    try:
        return files.select_for_update().get(pk=beneficiary.pk)
    except Beneficiary.DoesNotExist:
        raise Refused(_("This file is not in your area of work.")) from None


@transaction.atomic
def text_send(
    *,
    beneficiary: Beneficiary,
    kind: str,
    by: User | None,
    about: Any = None,
    key: str | None = None,
    expected: str | None = None,
) -> TextMessage:
    """Queue the message of ``kind`` to the person through the outbox. ``by`` is None for the
    automatic reminders. ``key`` names an automatic reminder (what and which day): the same key
    is never sent twice. ``expected`` is the text the user read: if the message would now say
    something else (a colleague moved the visit), nothing is sent."""
    person = _lock(beneficiary, by)
    if by is not None and not permissions.can_text_beneficiary(by, person):
        raise Refused(_("Your role does not allow sending text messages to this person."))
    if reason := refusal(person):
        raise Refused(reason)
    if key is not None and TextMessage.objects.filter(key=key).exists():
        raise Refused(_("This reminder was already sent to the person."))
    draft = text_draft(beneficiary=person, kind=kind, about=about)
    if expected is not None and draft.text != expected:
        raise Refused(_("The message changed since you read it: read it again before sending."))
    message = sms.sms(to_phone=draft.phone, body=draft.text, reason=f"sms.{kind}")
    texted = TextMessage.objects.create(
        beneficiary=person,
        message=message,
        kind=kind,
        language=draft.language,
        key=key,
        sent_by=by,
    )
    audit.record(
        "beneficiary.texted" if by is not None else "beneficiary.reminded",
        actor=by,
        target=person,
        changes={"kind": kind, "message": message.pk},
    )
    return texted


@transaction.atomic
def text_contact_update(
    *, beneficiary: Beneficiary, by: User, language: str, consent: bool
) -> Beneficiary:
    """Record the language the person is written to in and whether they agree to receive text
    messages (given now by ``by``, or withdrawn). The file's version is left alone: these two
    fields are not on the file's form, so a colleague editing it loses nothing."""
    person = _lock(beneficiary, by)
    if not permissions.can_text_beneficiary(by, person):
        raise Refused(_("Your role does not allow changing this file."))
    changes: dict[str, Any] = {}
    if person.message_language != language:
        changes["message_language"] = [person.message_language, language]
        person.message_language = language
    if consent and person.sms_consent_at is None:
        if not person.phone:
            raise Refused(_("The file has no phone number: add the person's mobile number first."))
        person.sms_consent_at, person.sms_consent_by = timezone.now(), by
        changes["sms_consent"] = "given"
    elif not consent and person.sms_consent_at is not None:
        person.sms_consent_at, person.sms_consent_by = None, None
        changes["sms_consent"] = "withdrawn"
    if changes:
        person.save(update_fields=["message_language", "sms_consent_at", "sms_consent_by"])
        audit.record("beneficiary.text_contact", actor=by, target=person, changes=changes)
    return person


def recent(beneficiary: Beneficiary, *, limit: int = 10) -> list[TextMessage]:
    """The person's latest text messages with their delivery status, for the file page."""
    return list(
        beneficiary.text_messages.select_related("message", "sent_by").order_by(
            "-created_at", "-pk"
        )[:limit]
    )
