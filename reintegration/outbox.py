"""Every outgoing message goes through the outbox.

``email(...)`` (and ``reintegration.sms.sms(...)`` for text messages) writes an
``OutboxMessage`` row in the transaction of the change that causes it and queues its delivery
in that same transaction: if the change is rolled back, no message leaves; if it is saved, the
message is in the database even when the mail server or the SMS gateway is down. A worker sends
it through its channel with a timeout (``EMAIL_TIMEOUT``, ``SMS_TIMEOUT``); a failure is
recorded with its error and tried again later, waiting twice as long each time, until
``OUTBOX_MAX_ATTEMPTS``; then the message is marked failed and headquarters sees it in the list
of failures, with a button to try again (``outbox_retry``).
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from reintegration import audit
from reintegration.models import OutboxMessage, User
from reintegration.permissions import can_manage_outbox
from reintegration.refusals import Refused

logger = logging.getLogger(__name__)

# Never wait more than this between two attempts.
LONGEST_WAIT = datetime.timedelta(hours=1)
# A message younger than this is left to the delivery queued with it.
SWEEP_GRACE = datetime.timedelta(minutes=2)

# Registered by the apps that queue messages (beneficiaries: text messages). Each says why
# ``message`` must no longer leave ("" when it may): checked before every attempt, so that a
# message waiting for the gateway, or tried again by headquarters, does not reach a person who
# withdrew their agreement meanwhile. Such a message fails for good, with the reason.
SEND_CHECKS: list[Callable[[OutboxMessage], str]] = []


def email(*, to: User, subject: str, body: str, reason: str) -> OutboxMessage | None:
    """Queue an e-mail to ``to``, in the caller's transaction. Nothing for a user without an
    address."""
    if not to.email:
        return None
    message = OutboxMessage.objects.create(
        reason=reason, recipient=to, to=to.email, subject=subject, body=body
    )
    deliver.enqueue(message.pk)
    return message


def wait_before(attempt: int) -> datetime.timedelta:
    """How long to wait after the ``attempt``-th failure: the first wait, then twice as long
    each time, never more than an hour."""
    # In whole seconds: Python's integers do not overflow where a timedelta would.
    seconds = settings.OUTBOX_FIRST_RETRY_SECONDS * 2 ** (attempt - 1)
    return datetime.timedelta(seconds=min(seconds, LONGEST_WAIT.total_seconds()))


def _claim(message_id: int) -> OutboxMessage | None:
    """The message, if it is still to send and due; it is leased for the time of one attempt
    so that a second delivery of the same task does not send it twice."""
    now = timezone.now()
    # An SMTP exchange may wait up to three times the timeout (connect, send, quit).
    longest = max(settings.EMAIL_TIMEOUT * 3, settings.SMS_TIMEOUT)
    lease = now + datetime.timedelta(seconds=longest + 30)
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    claimed = OutboxMessage.objects.filter(
        due, pk=message_id, status=OutboxMessage.Status.PENDING
    ).update(next_attempt_at=lease)
    return OutboxMessage.objects.get(pk=message_id) if claimed else None


@dataclass(frozen=True)
class Outcome:
    """What one attempt to send a message gave: the id the far end gave it, or the error and
    whether trying again can help (an SMS gateway that refuses the number will refuse it
    again)."""

    gateway_id: str = ""
    error: str = ""
    permanent: bool = False


def _send_email(message: OutboxMessage) -> Outcome:
    connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
    mail = EmailMessage(
        message.subject,
        message.body,
        settings.DEFAULT_FROM_EMAIL,
        [message.to],
        connection=connection,
    )
    try:
        mail.send(fail_silently=False)
    except (OSError, smtplib.SMTPException) as error:
        return Outcome(error=f"{type(error).__name__}: {error}")
    return Outcome()


def _send_sms(message: OutboxMessage) -> Outcome:
    # Imported here: reintegration.sms queues its messages through this module.
    from reintegration import sms

    return sms.get_backend().send(message)


# How each channel sends a message.
CHANNELS = {
    OutboxMessage.Channel.EMAIL: _send_email,
    OutboxMessage.Channel.SMS: _send_sms,
}


@task()
def deliver(message_id: int) -> None:
    message = _claim(message_id)
    if message is None:
        return
    for check in SEND_CHECKS:
        if reason := check(message):
            _failed(message, reason, permanent=True)
            return
    outcome = CHANNELS[OutboxMessage.Channel(message.channel)](message)
    if outcome.error:
        _failed(message, outcome.error, permanent=outcome.permanent)
    else:
        message.status = OutboxMessage.Status.SENT
        message.sent_at = timezone.now()
        message.attempts += 1
        message.next_attempt_at = None
        message.last_error = ""
        message.gateway_id = outcome.gateway_id
        message.save(
            update_fields=[
                "status",
                "sent_at",
                "attempts",
                "next_attempt_at",
                "last_error",
                "gateway_id",
            ]
        )


def _failed(message: OutboxMessage, error: str, *, permanent: bool = False) -> None:
    message.attempts += 1
    message.last_error = error[:2000]
    if permanent or message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        message.status = OutboxMessage.Status.FAILED
        message.next_attempt_at = None
        logger.error("Gave up sending message %s to %s: %s", message.pk, message.to, error)
    else:
        message.next_attempt_at = timezone.now() + wait_before(message.attempts)
    with transaction.atomic():
        message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
        if message.status == OutboxMessage.Status.PENDING:
            deliver.using(run_after=message.next_attempt_at).enqueue(message.pk)


def outbox_sweep(*, now: datetime.datetime | None = None) -> int:
    """Queue again the messages that are due but whose delivery was lost (a worker stopped in
    the middle of an attempt: its lease has run out). Run every few minutes; queueing one twice
    is harmless, the second delivery finds it claimed or sent. Returns how many were queued."""
    now = now or timezone.now()
    due = OutboxMessage.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        status=OutboxMessage.Status.PENDING,
        created_at__lte=now - SWEEP_GRACE,
    )
    count = 0
    with transaction.atomic():
        for pk in due.values_list("pk", flat=True):
            deliver.enqueue(pk)
            count += 1
    return count


def troubled() -> QuerySet[OutboxMessage]:
    """Messages headquarters should see: failed for good, or still failing and waiting."""
    return OutboxMessage.objects.filter(
        Q(status=OutboxMessage.Status.FAILED)
        | Q(status=OutboxMessage.Status.PENDING, attempts__gt=0)
    ).select_related("recipient")


@transaction.atomic
def outbox_retry(*, message: OutboxMessage, by: User) -> OutboxMessage:
    """Try a failed (or waiting) message again now, with a fresh series of attempts."""
    if not can_manage_outbox(by):
        raise Refused(_("Your role does not allow sending messages again."))
    locked = OutboxMessage.objects.select_for_update().get(pk=message.pk)
    if locked.status == OutboxMessage.Status.SENT:
        raise Refused(_("This message was already sent."))
    locked.status = OutboxMessage.Status.PENDING
    locked.attempts = 0
    locked.next_attempt_at = None
    locked.save(update_fields=["status", "attempts", "next_attempt_at"])
    deliver.enqueue(locked.pk)
    audit.record("outbox.retry", actor=by, target=locked, changes={"to": locked.to})
    return locked
