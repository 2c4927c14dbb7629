"""Text messages (SMS) through the outbox, to a backend chosen by ``SMS_BACKEND``.

``sms(...)`` writes an ``OutboxMessage`` of channel SMS in the caller's transaction and queues
its delivery, like ``outbox.email``: the outbox's worker sends it, records the result and
tries again later on failure (``reintegration/outbox.py``). What decides whether a person may
be written to (their consent, their number, their language) belongs to the person's file
(``beneficiaries/texting.py``); this module only carries a text to a number.

Backends, like Django's e-mail backends, are named by a dotted path:

- ``reintegration.sms.ConsoleBackend`` (development): prints each message to the worker's
  output;
- ``reintegration.sms.FileBackend``: writes each message to a file of ``SMS_FILE_PATH``;
- ``reintegration.sms.GatewayBackend`` (production): posts each message to an HTTP gateway,
  ``SMS_GATEWAY_URL``, with the key ``SMS_GATEWAY_KEY`` and the sender name ``SMS_SENDER``,
  waiting at most ``SMS_TIMEOUT`` seconds, and keeps the gateway's id of the message.
"""

from __future__ import annotations

import json
import math
import re
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from reintegration.models import OutboxMessage
from reintegration.outbox import Outcome, deliver

if TYPE_CHECKING:
    from reintegration.models import User

# A number as the gateways take it: international form, e.g. +212612345678.
E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")

# GSM 03.38: the basic character set (one septet each) and its extension table (an escape,
# then the character: two septets). A message written only with these is sent in 7-bit
# encoding; one other character (any Arabic letter, "ê", "’") sends the whole message in
# UCS-2, two bytes a character.
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = set("^{}\\[~]|€\f")

# Characters (septets or UTF-16 code units) in one message, and in each part of a message
# split into several (the rest of each part carries the header that joins them again).
SINGLE = {"gsm7": 160, "ucs2": 70}
PART = {"gsm7": 153, "ucs2": 67}


@dataclass(frozen=True)
class Length:
    """How a text travels: its encoding, its length in that encoding's units and the number
    of SMS it costs."""

    encoding: str  # "gsm7" or "ucs2"
    units: int
    segments: int

    @property
    def per_segment(self) -> int:
        return SINGLE[self.encoding] if self.segments <= 1 else PART[self.encoding]


def _units(text: str, encoding: str) -> list[int]:
    """The size of each character in the encoding's units: an extension character is two
    septets, a character outside the Basic Multilingual Plane two UTF-16 code units. A part
    never splits one character."""
    if encoding == "gsm7":
        return [2 if char in GSM_EXTENSION else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def measure(text: str) -> Length:
    """The encoding, length and number of SMS of ``text``, as a phone network counts them."""
    encoding = "gsm7" if all(c in GSM_BASIC or c in GSM_EXTENSION for c in text) else "ucs2"
    sizes = _units(text, encoding)
    units = sum(sizes)
    if units <= SINGLE[encoding]:
        return Length(encoding, units, 1 if units else 0)
    # Concatenated: fill each part without cutting a character in two.
    segments, used = 1, 0
    for size in sizes:
        if used + size > PART[encoding]:
            segments, used = segments + 1, 0
        used += size
    return Length(encoding, units, segments)


def least_segments(units: int, encoding: str) -> int:
    """The fewest SMS ``units`` can take (when no character is split across parts)."""
    if units <= SINGLE[encoding]:
        return 1 if units else 0
    return math.ceil(units / PART[encoding])


def is_international(number: str) -> bool:
    return bool(E164.match(number))


def sms(*, to_phone: str, body: str, reason: str, recipient: User | None = None) -> OutboxMessage:
    """Queue a text message to ``to_phone`` (international form, +212…), in the caller's
    transaction. The caller has checked that the person agreed to receive it."""
    if not is_international(to_phone):
        raise ValueError(f"not a number in international form: {to_phone!r}")
    message = OutboxMessage.objects.create(
        channel=OutboxMessage.Channel.SMS,
        reason=reason,
        recipient=recipient,
        to=to_phone,
        subject="",
        body=body,
    )
    deliver.enqueue(message.pk)
    return message


class BaseBackend:
    def send(self, message: OutboxMessage) -> Outcome:
        """Send ``message``: the gateway's id of it, or the error (``permanent`` when trying
        again cannot help: the gateway refused the number or the key)."""
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    """Development: the message is printed to the worker's output."""

    def send(self, message: OutboxMessage) -> Outcome:
        sys.stdout.write(f"SMS to {message.to} ({message.reason}):\n{message.body}\n{'-' * 40}\n")
        sys.stdout.flush()
        return Outcome()


class FileBackend(BaseBackend):
    """Each message becomes a file of ``SMS_FILE_PATH``, named after its outbox id: the number
    on the first line, then the text."""

    def send(self, message: OutboxMessage) -> Outcome:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        path = folder / f"{stamp}-{message.pk}.txt"
        try:
            path.write_text(f"{message.to}\n{message.body}", encoding="utf-8")
        except OSError as error:
            return Outcome(error=f"{type(error).__name__}: {error}")
        return Outcome(gateway_id=path.name)


class GatewayBackend(BaseBackend):
    """Production: one HTTPS POST per message to ``SMS_GATEWAY_URL``, a JSON body
    ``{"from", "to", "text", "reference"}`` and the key as a bearer token. The gateway answers
    2xx with ``{"id": …}``. The reference is the outbox id, so a gateway that deduplicates on it
    never sends twice a message tried again after a lost answer."""

    def send(self, message: OutboxMessage) -> Outcome:
        url, key = settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_KEY
        if not url or not key:
            return Outcome(
                error="SMS gateway not configured: set SMS_GATEWAY_URL and SMS_GATEWAY_KEY"
            )
        payload = {
            "from": settings.SMS_SENDER,
            "to": message.to,
            "text": message.body,
            "reference": str(message.pk),
        }
        request = urllib.request.Request(  # noqa: S310 (the URL is the operator's setting)
            url,
            data=json.dumps(payload, ensure_ascii=False).encode(),
            headers={
                "Authorization": f"Bearer {key}",
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_TIMEOUT) as response:  # noqa: S310
                answer = response.read(65536)
        except urllib.error.HTTPError as error:
            detail = error.read(500).decode(errors="replace")
            # 408 and 429 (busy) and 5xx pass; any other refusal will not change by waiting.
            permanent = 400 <= error.code < 500 and error.code not in (408, 429)
            return Outcome(error=f"gateway answered {error.code}: {detail}", permanent=permanent)
        except (OSError, ValueError) as error:  # refused, timed out, unreachable
            return Outcome(error=f"{type(error).__name__}: {error}")
        try:
            gateway_id = str(json.loads(answer or b"{}").get("id", ""))
        except (ValueError, AttributeError):
            gateway_id = ""
        return Outcome(gateway_id=gateway_id[:100])


def get_backend() -> BaseBackend:
    return import_string(settings.SMS_BACKEND)()
