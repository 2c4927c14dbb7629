"""The in-app notifications and their e-mail copies (reintegration/notifications.py)."""

import pytest
from django.core import mail
from django.db import transaction
from django.utils import translation

from reintegration import notifications
from reintegration.formatting import LRI, PDI
from reintegration.models import Notification, OutboxMessage, Role, User

pytestmark = pytest.mark.django_db

KIND = "test.thing_happened"


@pytest.fixture(autouse=True)
def kind():
    notifications.register(
        KIND, label="Something happened", message="Something happened to file %(number)s."
    )
    yield
    notifications.KINDS.pop(KIND)


def person(username, **fields):
    return User.objects.create_user(username, role=Role.NATIONAL, **fields)


def test_each_recipient_but_the_actor_is_told_once():
    actor, one, other = person("a"), person("b"), person("c")
    inactive = person("d", is_active=False)
    made = notifications.notify(
        [actor, one, other, one, inactive], kind=KIND, url="/x/", params={"number": "7"}, by=actor
    )
    assert sorted(n.recipient.username for n in made) == ["b", "c"]
    assert notifications.unread_count(one) == 1
    assert notifications.unread_count(actor) == 0


def test_the_text_is_rendered_when_read_with_numbers_isolated_in_arabic():
    [made] = notifications.notify([person("b")], kind=KIND, params={"number": "2026-01"})
    with translation.override("ar"):
        assert notifications.text(made) == f"Something happened to file {LRI}2026-01{PDI}."
    with translation.override("fr"):
        assert notifications.text(made) == "Something happened to file 2026-01."


def test_an_unknown_kind_is_refused_before_anything_is_written():
    with pytest.raises(LookupError):
        notifications.notify([person("b")], kind="nobody.registered.this")
    assert not Notification.objects.exists()


def test_the_email_copy_follows_the_preference_and_the_transaction(run_jobs):
    wants = person("wants", email="w@example.org", language="fr")
    refuses = person("refuses", email="r@example.org", email_notifications=False)
    no_address = person("none")
    notifications.notify(
        [wants, refuses, no_address], kind=KIND, url="/p/1/", params={"number": "9"}
    )
    assert Notification.objects.count() == 3
    assert list(OutboxMessage.objects.values_list("to", flat=True)) == ["w@example.org"]
    run_jobs()
    [sent] = mail.outbox
    assert "/p/1/" in sent.body and "9" in sent.body
    assert "notifications par e-mail" in sent.body

    with pytest.raises(RuntimeError), transaction.atomic():
        notifications.notify([wants], kind=KIND, params={"number": "10"})
        raise RuntimeError
    assert Notification.objects.count() == 3
    assert OutboxMessage.objects.count() == 1


def test_marking_read_touches_only_the_readers_own():
    mine, theirs = person("b"), person("c")
    [one] = notifications.notify([mine], kind=KIND, params={"number": "1"})
    notifications.notify([mine, theirs], kind=KIND, params={"number": "2"})
    assert notifications.mark_read(user=theirs, notification_id=one.pk) == 0
    assert notifications.mark_read(user=mine, notification_id=one.pk) == 1
    assert notifications.unread_count(mine) == 1
    assert notifications.mark_read(user=mine) == 1
    assert notifications.unread_count(mine) == 0
    assert notifications.unread_count(theirs) == 1
