import time

import pytest
from django.urls import reverse

from reintegration.models import AuditEntry
from reintegration.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def sign_in(client, username, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def actions():
    return list(AuditEntry.objects.order_by("pk").values_list("action", "actor_label"))


def test_a_successful_sign_in_is_recorded_with_the_address(client):
    user = UserFactory(username="samira")
    response = sign_in(client, "samira", TEST_PASSWORD, ip="192.0.2.7")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.ip_address) == ("auth.login", user, "192.0.2.7")


def test_a_wrong_password_shows_the_reason_and_is_recorded(client):
    UserFactory(username="samira")
    client.cookies["language"] = "fr"
    response = sign_in(client, "samira", "wrong", ip="192.0.2.7")
    assert response.status_code == 200
    assert (
        "Le nom d&#x27;utilisateur ou le mot de passe est incorrect. Les deux tiennent compte des "
        "majuscules et des minuscules. Après 5 tentatives échouées, le compte est verrouillé "
        "pendant 30 minutes."
    ) in response.content.decode()
    assert actions() == [("auth.login_failed", "samira")]


def test_five_failures_lock_the_account_for_that_address(client):
    UserFactory(username="samira")
    for _attempt in range(4):
        assert sign_in(client, "samira", "wrong").status_code == 200
    response = sign_in(client, "samira", "wrong")
    assert response.status_code == 429
    assert "الحساب مقفل مؤقتا" in response.content.decode()
    assert ("auth.locked_out", "samira") in actions()
    # Even the right password is refused while locked.
    response = sign_in(client, "samira", TEST_PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_page_says_how_long_it_lasts(client, settings):
    settings.AXES_COOLOFF_TIME = __import__("datetime").timedelta(minutes=45)
    UserFactory(username="samira")
    client.cookies["language"] = "fr"
    for _attempt in range(5):
        response = sign_in(client, "samira", "wrong")
    assert response.status_code == 429
    assert "verrouillé" in response.content.decode()
    assert "45" in response.content.decode()


def test_behind_a_proxy_the_lock_applies_to_the_real_client(client, settings):
    settings.PROXY_COUNT = 1
    UserFactory(username="samira")
    for _attempt in range(5):
        client.post(
            LOGIN,
            {"username": "samira", "password": "wrong"},
            REMOTE_ADDR="10.0.0.254",
            HTTP_X_FORWARDED_FOR="198.51.100.1",
        )
    # Another office behind the same proxy can still sign in.
    response = client.post(
        LOGIN,
        {"username": "samira", "password": TEST_PASSWORD},
        REMOTE_ADDR="10.0.0.254",
        HTTP_X_FORWARDED_FOR="198.51.100.2",
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="auth.login").get().ip_address == "198.51.100.2"


def test_the_lockout_is_per_username_and_address(client):
    UserFactory(username="samira")
    for _attempt in range(5):
        sign_in(client, "samira", "wrong", ip="10.0.0.1")
    assert sign_in(client, "samira", TEST_PASSWORD, ip="10.0.0.2").status_code == 302


def test_a_successful_sign_in_resets_the_failure_count(client):
    UserFactory(username="samira")
    for _attempt in range(4):
        sign_in(client, "samira", "wrong")
    assert sign_in(client, "samira", TEST_PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _attempt in range(4):
        assert sign_in(client, "samira", "wrong").status_code == 200


def test_sign_out_is_recorded_and_returns_to_the_sign_in_page(client):
    UserFactory(username="samira")
    sign_in(client, "samira", TEST_PASSWORD)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert [a for a, _label in actions()] == ["auth.login", "auth.logout"]


def test_pages_send_anonymous_visitors_to_sign_in(client):
    response = client.get("/centres/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/centres/"


@pytest.mark.parametrize("key", ["last_seen", "login_at"])
def test_an_idle_or_too_old_session_is_signed_out(client, settings, key):
    UserFactory(username="samira")
    sign_in(client, "samira", TEST_PASSWORD)
    assert client.get("/").status_code == 200
    session = client.session
    limits = {
        "last_seen": settings.SESSION_IDLE_TIMEOUT,
        "login_at": settings.SESSION_ABSOLUTE_TIMEOUT,
    }
    limit = limits[key]
    session[key] = time.time() - limit - 5
    session.save()
    response = client.get("/centres/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/centres/"
    assert "_auth_user_id" not in client.session
    assert [a for a, _label in actions()[-2:]] == ["auth.session_expired", "auth.logout"]


def test_an_active_session_within_the_limits_stays_open(client, settings):
    UserFactory(username="samira")
    sign_in(client, "samira", TEST_PASSWORD)
    session = client.session
    session["last_seen"] = time.time() - settings.SESSION_IDLE_TIMEOUT + 120
    session.save()
    assert client.get("/centres/").status_code == 200


def test_a_password_change_is_validated_and_recorded(client):
    user = UserFactory(username="samira")
    client.force_login(user)
    response = client.post(
        "/accounts/password/",
        {"old_password": TEST_PASSWORD, "new_password1": "12345", "new_password2": "12345"},
    )
    assert response.status_code == 200
    assert "This password is too short." in response.content.decode()
    response = client.post(
        "/accounts/password/",
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "Another-Long-Phrase-77",
            "new_password2": "Another-Long-Phrase-77",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Another-Long-Phrase-77")
    assert actions()[-1] == ("auth.password_changed", "samira")
