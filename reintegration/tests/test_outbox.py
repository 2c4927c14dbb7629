"""Nothing lost outside the database: e-mail goes through the outbox, to a real SMTP server on
loopback that is down, silent, then back up."""

import datetime
import socket
import threading
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from reintegration import outbox
from reintegration.models import AuditEntry, OutboxMessage


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SilentServer:
    """Accepts connections and never answers, like a mail server that hangs."""

    def __init__(self, port: int):
        self.socket = socket.create_server(("127.0.0.1", port))
        self.held = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                connection, _address = self.socket.accept()
            except OSError:
                return
            self.held.append(connection)

    def close(self):
        self.socket.close()
        for connection in self.held:
            connection.close()


@pytest.fixture
def smtp(settings):
    """Mail goes over SMTP to 127.0.0.1 on a port of its own, where nothing listens yet."""
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 1
    settings.OUTBOX_FIRST_RETRY_SECONDS = 0  # the next attempt is due at once
    return port


@pytest.fixture
def server_up(smtp):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp)

    def start():
        controller.start()
        return inbox

    yield start
    if controller._thread is not None:
        controller.stop()


def queue(users, subject="Projet de vie TNG-2026-00001 : approuvé"):
    recipient = users["coordinator"]
    recipient.email = "samira@example.org"
    recipient.save(update_fields=["email"])
    return outbox.email(
        to=recipient, subject=subject, body="Le projet est approuvé.", reason="project.approve"
    )


def subject_of(received) -> str:
    return str(make_header(decode_header(received["Subject"])))


def test_with_the_mail_server_down_the_message_waits_then_goes_when_it_is_back(
    users, run_jobs, server_up
):
    message = queue(users)
    run_jobs(1)
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 1)
    assert "ConnectionRefusedError" in message.last_error
    assert message.next_attempt_at is not None

    inbox = server_up()
    run_jobs()
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, "")
    [received] = inbox.received
    assert received["To"] == "samira@example.org"
    assert subject_of(received) == "Projet de vie TNG-2026-00001 : approuvé"


def test_a_silent_mail_server_holds_a_worker_only_for_the_timeout(users, run_jobs, smtp):
    silent = SilentServer(smtp)
    try:
        message = queue(users)
        started = timezone.now()
        run_jobs(1)
        waited = timezone.now() - started
    finally:
        silent.close()
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 1)
    assert "timed out" in message.last_error
    assert waited < datetime.timedelta(seconds=10)  # EMAIL_TIMEOUT is 1 s here, not 31


def test_after_the_last_attempt_headquarters_sees_it_and_sends_it_again(
    users, run_jobs, server_up, settings, client, django_assert_max_num_queries
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    message = queue(users)
    run_jobs()  # three attempts, all refused
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 3)

    client.force_login(users["national"])
    with django_assert_max_num_queries(8):
        page = client.get(reverse("outbox_failures"))
    assert f'id="message-{message.pk}"' in page.content.decode()
    assert "samira@example.org" in page.content.decode()

    inbox = server_up()
    response = client.post(reverse("outbox_retry", args=[message.pk]))
    assert response.status_code == 302
    run_jobs()
    message.refresh_from_db()
    assert message.status == "sent"
    assert len(inbox.received) == 1
    assert AuditEntry.objects.filter(action="outbox.retry", actor=users["national"]).exists()
    # Sent: no longer in the list, and cannot be sent twice from it.
    listed = client.get(reverse("outbox_failures")).content.decode()
    assert f'id="message-{message.pk}"' not in listed
    assert client.post(reverse("outbox_retry", args=[message.pk])).status_code == 404


def test_only_headquarters_manages_unsent_messages(users, client):
    message = queue(users)
    for role in ("coordinator", "regional", "official", "auditor"):
        client.force_login(users[role])
        assert client.get(reverse("outbox_failures")).status_code == 403
        assert client.post(reverse("outbox_retry", args=[message.pk])).status_code == 403


def test_a_user_without_an_address_gets_no_message(users):
    users["official"].email = ""
    assert outbox.email(to=users["official"], subject="s", body="b", reason="r") is None
    assert not OutboxMessage.objects.exists()


@given(st.integers(min_value=1, max_value=60), st.integers(min_value=1, max_value=600))
def test_each_wait_is_twice_the_last_until_an_hour(attempt, first):
    from django.test import override_settings

    with override_settings(OUTBOX_FIRST_RETRY_SECONDS=first):
        wait = outbox.wait_before(attempt)
        following = outbox.wait_before(attempt + 1)
    assert datetime.timedelta(seconds=first) <= wait <= outbox.LONGEST_WAIT
    assert following == min(wait * 2, outbox.LONGEST_WAIT)


def test_a_message_whose_delivery_was_lost_is_queued_again_by_the_sweep(users, run_jobs):
    from django_tasks_db.models import DBTaskResult

    message = queue(users)
    DBTaskResult.objects.all().delete()  # the worker died with the task: nothing will send it
    assert outbox.outbox_sweep() == 0  # too young: its own delivery may still come
    later = timezone.now() + outbox.SWEEP_GRACE + datetime.timedelta(seconds=1)
    assert outbox.outbox_sweep(now=later) == 1
    run_jobs()
    message.refresh_from_db()
    assert message.status == "sent"
