"""In-app notifications, with an e-mail copy through the outbox for those who want one.

Each app registers the kinds of events it notifies in its ``AppConfig.ready`` (the foundation
knows none of them)::

    notifications.register(
        "project.returned",
        label=_("Project returned to the centre"),
        message=_("The life project of file %(number)s was returned to the centre."),
    )

and calls ``notify(recipients, kind=..., url=..., params=..., by=...)`` inside the transaction
of the change: if the change is rolled back, nobody is told. The message is not stored: it is
rendered with ``params`` in the language of whoever reads it, when they read it, so a
coordinator who switches to French reads yesterday's notifications in French too. The e-mail
copy is rendered once, in the recipient's saved language, when it is queued.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from reintegration import audit, outbox
from reintegration.formatting import fill
from reintegration.models import Notification, User


@dataclasses.dataclass(frozen=True)
class Kind:
    code: str
    # What the event is called in the list of preferences and the inbox's filter.
    label: str | Promise
    # The sentence shown in the inbox, with %(name)s placeholders filled from the params.
    message: str | Promise


KINDS: dict[str, Kind] = {}


def register(code: str, *, label: str | Promise, message: str | Promise) -> Kind:
    kind = Kind(code=code, label=label, message=message)
    KINDS[code] = kind
    return kind


def text(notification: Notification) -> str:
    """The notification's sentence in the active language. A kind that is no longer registered
    (an app removed) still shows something rather than failing the inbox."""
    kind = KINDS.get(notification.kind)
    if kind is None:
        return notification.kind
    return fill(kind.message, notification.params, fallback=kind.label)


def notify(
    recipients: Iterable[User],
    *,
    kind: str,
    url: str = "",
    params: dict[str, Any] | None = None,
    by: User | None = None,
) -> list[Notification]:
    """Tell each recipient (but not the person who acted, nor an inactive account), in the
    caller's transaction; queue an e-mail copy for those who asked for one."""
    if kind not in KINDS:
        raise LookupError(f"Unregistered notification kind {kind!r}")
    params = params or {}
    people = {user.pk: user for user in recipients if user.is_active}
    if by is not None:
        people.pop(by.pk, None)
    if not people:
        return []
    with transaction.atomic():
        created = Notification.objects.bulk_create(
            Notification(recipient=user, kind=kind, params=params, url=url, actor=by)
            for user in people.values()
        )
        for notification in created:
            user = notification.recipient
            if user.email_notifications and user.email:
                _queue_copy(notification, user)
    return created


def _queue_copy(notification: Notification, user: User) -> None:
    with translation.override(user.language):
        sentence = text(notification)
        subject = str(KINDS[notification.kind].label)
        lines = [sentence]
        if notification.url:
            lines += ["", settings.PUBLIC_URL.rstrip("/") + notification.url]
        lines += [
            "",
            _(
                "You receive this copy because you asked for your notifications by e-mail; "
                "you can stop it on your account page."
            ),
        ]
    outbox.email(
        to=user, subject=subject, body="\n".join(lines), reason=f"notification.{notification.kind}"
    )


def inbox(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("actor")


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user).unread().count()


def mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications read, or all of them; a notification of someone
    else's is never touched. Returns how many changed."""
    mine = Notification.objects.filter(recipient=user).unread()
    if notification_id is not None:
        mine = mine.filter(pk=notification_id)
    return mine.update(read_at=timezone.now())


def preference_set(*, by: User, email: bool) -> User:
    """Receive an e-mail copy of each notification, or not: each person chooses for their own
    account, since the copies go to their own address."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=by.pk)
        if locked.email_notifications != email:
            audit.record(
                "user.notification_preference",
                actor=by,
                target=locked,
                changes={"email_notifications": [locked.email_notifications, email]},
            )
            locked.email_notifications = email
            locked.save(update_fields=["email_notifications"])
    by.email_notifications = email
    return locked
