"""Text messages through the outbox: the HTTP gateway backend against a fake gateway, a real
HTTP server on loopback that records what it receives and can be told to fail or to hang; the
file backend; and how a text is counted in SMS."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from reintegration import outbox, sms
from reintegration.models import OutboxMessage

ARABIC = "تذكير: سيزوركم مركز طنجة يوم 12 مارس 2026 لتتبع مشروعكم."
FRENCH = "Rappel : le CAR Tanger vous rendra visite le 12 mars 2026."


class FakeGateway:
    """An SMS gateway on 127.0.0.1: keeps each request (headers and JSON body) and answers
    ``status`` with ``answer``; ``delay`` seconds before answering makes it hang."""

    def __init__(self):
        self.received: list[dict] = []
        self.status = 200
        self.answer: dict = {"id": "gw-1"}
        self.delay = 0.0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                gateway.received.append(
                    {
                        "path": self.path,
                        "authorization": self.headers.get("Authorization"),
                        "content_type": self.headers.get("Content-Type"),
                        "json": json.loads(body.decode("utf-8")),
                    }
                )
                if gateway.delay:
                    time.sleep(gateway.delay)
                payload = json.dumps(gateway.answer).encode()
                try:
                    self.send_response(gateway.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client gave up waiting
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1/messages"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    fake = FakeGateway()
    settings.SMS_BACKEND = "reintegration.sms.GatewayBackend"
    settings.SMS_GATEWAY_URL = fake.url
    settings.SMS_GATEWAY_KEY = "test-key"
    settings.SMS_SENDER = "FM6R"
    settings.SMS_TIMEOUT = 1
    settings.OUTBOX_FIRST_RETRY_SECONDS = 0  # the next attempt is due at once
    yield fake
    fake.close()


def queue(body=ARABIC, to="+212612345678"):
    return sms.sms(to_phone=to, body=body, reason="sms.visit_reminder")


def test_the_gateway_receives_the_exact_text_and_its_id_is_kept(db, gateway, run_jobs):
    message = queue()
    run_jobs()
    message.refresh_from_db()
    assert (message.status, message.attempts, message.gateway_id) == ("sent", 1, "gw-1")
    assert message.channel == "sms"
    [request] = gateway.received
    assert request["path"] == "/v1/messages"
    assert request["authorization"] == "Bearer test-key"
    assert request["content_type"] == "application/json; charset=utf-8"
    assert request["json"] == {
        "from": "FM6R",
        "to": "+212612345678",
        "text": ARABIC,
        "reference": str(message.pk),
    }


def test_a_gateway_error_schedules_another_attempt_which_then_succeeds(db, gateway, run_jobs):
    gateway.status, gateway.answer = 503, {"error": "busy"}
    message = queue()
    run_jobs(1)
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.last_error == 'gateway answered 503: {"error": "busy"}'
    assert message.next_attempt_at is not None
    assert message in outbox.troubled()  # headquarters sees it waiting

    gateway.status, gateway.answer = 200, {"id": "gw-2"}
    run_jobs()
    message.refresh_from_db()
    assert (message.status, message.attempts, message.gateway_id, message.last_error) == (
        "sent",
        2,
        "gw-2",
        "",
    )
    # The same reference both times: a gateway that deduplicates sends it once.
    assert [r["json"]["reference"] for r in gateway.received] == [str(message.pk)] * 2


def test_a_refused_number_is_failed_at_once_not_tried_again(db, gateway, run_jobs):
    gateway.status, gateway.answer = 400, {"error": "invalid destination"}
    message = queue()
    run_jobs()
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 1)
    assert "invalid destination" in message.last_error
    assert len(gateway.received) == 1


def test_a_hanging_gateway_holds_a_worker_only_for_the_timeout(db, gateway, run_jobs):
    gateway.delay = 3  # SMS_TIMEOUT is 1 s here
    message = queue()
    started = time.monotonic()
    run_jobs(1)
    waited = time.monotonic() - started
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 1)
    assert "timed out" in message.last_error
    assert waited < 2.5


def test_an_unreachable_gateway_is_tried_again_until_it_gives_up(db, gateway, run_jobs, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    gateway.close()  # nothing listens on its port any more
    message = queue()
    run_jobs()
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 3)
    assert "Connection refused" in message.last_error


def test_without_its_address_and_key_the_gateway_backend_says_so(db, settings, run_jobs):
    settings.SMS_BACKEND = "reintegration.sms.GatewayBackend"
    settings.SMS_GATEWAY_URL = settings.SMS_GATEWAY_KEY = ""
    settings.OUTBOX_MAX_ATTEMPTS = 1
    message = queue()
    run_jobs()
    message.refresh_from_db()
    assert message.status == "failed"
    assert message.last_error == (
        "SMS gateway not configured: set SMS_GATEWAY_URL and SMS_GATEWAY_KEY"
    )


def test_the_file_backend_writes_the_number_and_the_text(db, settings, tmp_path, run_jobs):
    settings.SMS_BACKEND = "reintegration.sms.FileBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    message = queue(body=FRENCH)
    run_jobs()
    message.refresh_from_db()
    [written] = (tmp_path / "sms").iterdir()
    assert written.read_text(encoding="utf-8") == f"+212612345678\n{FRENCH}"
    assert (message.status, message.gateway_id) == ("sent", written.name)


def test_the_console_backend_prints_the_message(db, settings, run_jobs, capsys):
    settings.SMS_BACKEND = "reintegration.sms.ConsoleBackend"
    queue(body=FRENCH)
    run_jobs()
    assert f"SMS to +212612345678 (sms.visit_reminder):\n{FRENCH}\n" in capsys.readouterr().out


def test_a_number_not_in_international_form_is_never_queued(db):
    with pytest.raises(ValueError, match="international form"):
        queue(to="0612345678")
    assert not OutboxMessage.objects.exists()


def test_headquarters_sees_a_failed_text_message_with_its_channel_and_sends_it_again(
    users, client, gateway, run_jobs, django_assert_max_num_queries
):
    gateway.status = 401
    message = queue()
    run_jobs()
    users["national"].language = "fr"
    users["national"].save(update_fields=["language"])
    client.force_login(users["national"])
    with django_assert_max_num_queries(8):
        page = client.get(reverse("outbox_failures")).content.decode()
    assert f'id="message-{message.pk}"' in page
    assert '<td data-label="Canal">SMS</td>' in page
    assert ARABIC in page  # an SMS has no subject: its text stands in the list

    gateway.status = 200
    assert client.post(reverse("outbox_retry", args=[message.pk])).status_code == 302
    run_jobs()
    message.refresh_from_db()
    assert message.status == "sent"


# --- Counting a text in SMS ----------------------------------------------------------------


def test_known_lengths():
    assert sms.measure("") == sms.Length("gsm7", 0, 0)
    assert sms.measure("a" * 160) == sms.Length("gsm7", 160, 1)
    assert sms.measure("a" * 161) == sms.Length("gsm7", 161, 2)
    assert sms.measure("a" * 306) == sms.Length("gsm7", 306, 2)
    assert sms.measure("a" * 307) == sms.Length("gsm7", 307, 3)
    assert sms.measure("ب" * 70) == sms.Length("ucs2", 70, 1)
    assert sms.measure("ب" * 71) == sms.Length("ucs2", 71, 2)
    assert sms.measure("ب" * 134) == sms.Length("ucs2", 134, 2)
    assert sms.measure("ب" * 135) == sms.Length("ucs2", 135, 3)
    # "é" and "à" are in the SMS alphabet; "ê" is not, and sends the whole text in UCS-2.
    assert sms.measure("Réunion à 10h").encoding == "gsm7"
    assert sms.measure("Fête").encoding == "ucs2"
    # The euro sign is an extension character: two septets.
    assert sms.measure("100€") == sms.Length("gsm7", 5, 1)
    assert sms.measure(ARABIC).encoding == "ucs2"
    assert sms.measure(FRENCH).encoding == "gsm7"


GSM_TEXT = st.text(alphabet=sorted(sms.GSM_BASIC | sms.GSM_EXTENSION), max_size=700)
ANY_TEXT = st.text(max_size=400)


@given(GSM_TEXT)
def test_a_text_in_the_sms_alphabet_is_counted_in_septets(text):
    length = sms.measure(text)
    assert length.encoding == "gsm7"
    assert length.units == len(text) + sum(c in sms.GSM_EXTENSION for c in text)


@given(ANY_TEXT)
def test_any_text_costs_at_least_the_fewest_sms_and_at_most_one_per_character(text):
    length = sms.measure(text)
    assert length.segments >= sms.least_segments(length.units, length.encoding)
    assert length.segments <= max(len(text), 0)
    # Every part but the last is full enough that the next character did not fit.
    assert (length.segments == 1) == (0 < length.units <= sms.SINGLE[length.encoding])


@given(ANY_TEXT, st.characters(codec="utf-8"))
def test_adding_a_character_never_costs_fewer_sms(text, char):
    assert sms.measure(text + char).segments >= sms.measure(text).segments


@given(GSM_TEXT.filter(bool))
def test_one_arabic_letter_sends_the_whole_text_in_ucs2(text):
    mixed = text + "ب"
    length = sms.measure(mixed)
    assert length.encoding == "ucs2"
    assert length.units == len(mixed)  # every character here is in the BMP: one code unit


@given(st.text(alphabet="abcdefghij", max_size=1000))
def test_plain_letters_cost_exactly_the_textbook_number_of_sms(text):
    # Without extension characters nothing can be pushed to the next part.
    assert sms.measure(text).segments == sms.least_segments(len(text), "gsm7")
