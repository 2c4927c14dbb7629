"""Password reset by e-mail: Django's token, the e-mail through the outbox and its worker, the
same answer whether or not the account exists, limits per client and per address, and the
reset headquarters force from the admin site."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from reintegration import passwords
from reintegration.models import AuditEntry, OutboxMessage
from reintegration.refusals import Refused
from reintegration.tests.factories import TEST_PASSWORD, UserFactory
from reintegration.tests.test_two_factor import code, enrolled

pytestmark = pytest.mark.django_db

RESET = "/accounts/password/reset/"
NEW_PASSWORD = "Another-Long-Phrase-77"


@pytest.fixture(autouse=True)
def _fresh_limits():
    """The limits count in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def samira(db):
    return UserFactory(
        username="samira", coordinator=True, email="Samira@example.org", language="fr"
    )


def ask(client, email, **extra):
    return client.post(RESET, {"email": email}, **extra)


def link_in(message) -> str:
    return re.search(r"https?://\S+/accounts/password/reset/\S+/\S+/", message.body).group(0)


def choose_password(client, link, password=NEW_PASSWORD):
    path = link.split("localhost:8000", 1)[-1]
    form = client.get(path, follow=True)
    assert form.context["validlink"], "the link should work"
    return client.post(
        form.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}
    )


def test_the_reset_link_goes_through_the_outbox_in_the_users_language(client, samira, run_jobs):
    response = ask(client, "samira@example.org")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"
    # Nothing is sent from the web request: the worker looks the account up and writes the
    # message to the outbox, and another run of the worker sends it.
    assert mail.outbox == []
    run_jobs()
    message = OutboxMessage.objects.get()
    assert (message.recipient, message.reason, message.status) == (
        samira,
        "auth.password_reset",
        OutboxMessage.Status.SENT,
    )
    [sent] = mail.outbox
    assert sent.to == ["Samira@example.org"]
    assert sent.subject == "Choisissez un nouveau mot de passe pour le réseau de réinsertion"
    assert "Votre nom d'utilisateur : samira" in sent.body
    assert link_in(sent).startswith("http://localhost:8000/accounts/password/reset/")

    done = choose_password(client, link_in(sent))
    assert done.status_code == 302
    assert done["Location"] == "/accounts/password/reset/done/"
    samira.refresh_from_db()
    assert samira.check_password(NEW_PASSWORD)
    assert not samira.check_password(TEST_PASSWORD)
    # Choosing the password does not sign in: the sign-in page asks for it.
    assert "_auth_user_id" not in client.session
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["auth.password_reset_requested", "auth.password_reset_done"]


def test_the_link_works_once(client, samira, run_jobs):
    ask(client, "samira@example.org")
    run_jobs()
    link = link_in(mail.outbox[0])
    choose_password(client, link)
    again = client.get(link.split("localhost:8000", 1)[-1], follow=True)
    assert again.context["validlink"] is False
    assert 'id="reset-invalid"' in again.content.decode()


def test_the_answer_is_the_same_whether_or_not_the_account_exists(client, samira, run_jobs):
    def answer(email):
        with CaptureQueriesContext(connection) as queries:
            response = ask(client, email)
        page = client.get(response["Location"]).content.decode()
        page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
        return response.status_code, response["Location"], page, len(queries)

    tasks = DBTaskResult.objects.count()
    assert answer("samira@example.org") == answer("nobody@example.org")
    # The same work for both: one job queued each, the look-up left to the worker.
    assert DBTaskResult.objects.count() == tasks + 2
    run_jobs()
    assert [m.to for m in mail.outbox] == [["Samira@example.org"]]


def test_a_link_is_built_on_the_public_address_not_on_the_host_asked(
    client, samira, run_jobs, settings
):
    settings.ALLOWED_HOSTS = ["*"]
    settings.PUBLIC_URL = "https://reinsertion.example.org"
    ask(client, "samira@example.org", HTTP_HOST="attacker.example")
    run_jobs()
    link = link_in(mail.outbox[0])
    assert link.startswith("https://reinsertion.example.org/accounts/password/reset/")
    assert "attacker" not in mail.outbox[0].body


def test_requests_for_one_address_are_limited_without_the_page_saying_so(
    client, samira, run_jobs, settings
):
    settings.PASSWORD_RESET_PER_EMAIL_HOURLY = 3
    for attempt in range(5):
        response = ask(client, "SAMIRA@example.org", REMOTE_ADDR=f"192.0.2.{attempt}")
        assert response["Location"] == "/accounts/password/reset/sent/"
    run_jobs()
    assert len(mail.outbox) == 3


def test_requests_from_one_client_are_limited(client, samira, settings):
    settings.PASSWORD_RESET_PER_CLIENT_HOURLY = 10
    for attempt in range(10):
        assert ask(client, f"someone{attempt}@example.org").status_code == 302
    refused = ask(client, "samira@example.org")
    assert refused.status_code == 429
    assert 'id="reset-limited"' in refused.content.decode()
    # Another office is not held back.
    assert ask(client, "samira@example.org", REMOTE_ADDR="198.51.100.7").status_code == 302


def test_a_disabled_account_receives_nothing(client, samira, run_jobs):
    samira.is_active = False
    samira.save(update_fields=["is_active"])
    ask(client, "samira@example.org")
    run_jobs()
    assert mail.outbox == []


def test_the_sign_in_page_links_to_the_reset(client):
    assert f'href="{RESET}"' in client.get("/accounts/login/").content.decode()


def test_a_reset_does_not_bypass_the_second_factor(client, settings, run_jobs):
    """ASVS 6.4.3: the new password opens the first step only."""
    settings.OTP_REQUIRED_ROLES = ("regional", "national")
    karim = UserFactory(username="karim", regional=True, email="karim@example.org")
    device, _codes = enrolled(karim)
    ask(client, "karim@example.org")
    run_jobs()
    choose_password(client, link_in(mail.outbox[0]))
    response = client.post("/accounts/login/", {"username": "karim", "password": NEW_PASSWORD})
    assert response["Location"] == "/accounts/two-factor/verify/?next=%2F"
    assert client.get("/")["Location"].startswith("/accounts/two-factor/verify/")
    assert client.post("/accounts/two-factor/verify/", {"code": code(device)}).status_code == 302


# --- Forced by headquarters -------------------------------------------------------------------


def test_headquarters_force_a_reset_from_the_admin_site(client, samira, run_jobs):
    national = UserFactory(username="hq", national=True, language="en")
    # Samira is signed in elsewhere.
    elsewhere = Client()
    elsewhere.force_login(samira)
    assert elsewhere.get("/centres/").status_code == 200

    client.force_login(national)
    data = {"action": "force_password_reset", "_selected_action": [samira.pk]}
    asked = client.post("/admin/reintegration/user/", data)
    assert asked.status_code == 200
    assert "samira" in asked.content.decode()
    samira.refresh_from_db()
    assert samira.check_password(TEST_PASSWORD)  # nothing before the confirmation

    done = client.post("/admin/reintegration/user/", {**data, "post": "yes"})
    assert done.status_code == 302
    samira.refresh_from_db()
    assert not samira.check_password(TEST_PASSWORD)
    assert not samira.has_usable_password()
    # Her open session ended with the password.
    assert elsewhere.get("/centres/").status_code == 302
    entry = AuditEntry.objects.get(action="user.password_reset_forced")
    assert (entry.actor, entry.target_id) == (national, str(samira.pk))
    with translation.override("en"):
        assert str(entry) == (
            f"{national.display_name} forced a password reset for samira: their password no "
            "longer works."
        )

    run_jobs()
    [sent] = mail.outbox
    assert sent.to == ["Samira@example.org"]
    assert "Le siège vous demande de choisir un nouveau mot de passe" in sent.body
    choose_password(elsewhere, link_in(sent))
    samira.refresh_from_db()
    assert samira.check_password(NEW_PASSWORD)


def test_a_forced_reset_needs_an_e_mail_address(samira):
    national = UserFactory(username="hq", national=True)
    samira.email = ""
    samira.save(update_fields=["email"])
    with translation.override("en"), pytest.raises(Refused, match="samira has no e-mail address"):
        passwords.password_reset_force(user=samira, by=national)
    samira.refresh_from_db()
    assert samira.check_password(TEST_PASSWORD)
    assert not OutboxMessage.objects.exists()
    assert not AuditEntry.objects.filter(action="user.password_reset_forced").exists()


def test_only_headquarters_force_a_reset(samira):
    regional = UserFactory(username="karim", regional=True)
    with translation.override("en"), pytest.raises(Refused, match="Your role does not allow"):
        passwords.password_reset_force(user=samira, by=regional)
    samira.refresh_from_db()
    assert samira.check_password(TEST_PASSWORD)


def test_after_a_forced_reset_the_user_can_still_ask_for_a_link(client, samira, run_jobs):
    """Django's form skips accounts without a usable password; a forced reset leaves exactly
    that, and the first link may have expired."""
    passwords.password_reset_force(user=samira, by=UserFactory(username="hq", national=True))
    ask(client, "samira@example.org")
    run_jobs()
    assert len(mail.outbox) == 2
