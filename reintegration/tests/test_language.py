import pytest

from reintegration.models import AuditEntry
from reintegration.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_arabic_is_the_default_and_is_right_to_left(client):
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "bootstrap.rtl.min.css" in html


def test_french_is_left_to_right_with_the_normal_stylesheet(client):
    client.post("/language/", {"language": "fr", "next": "/accounts/login/"})
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="fr" dir="ltr">' in html
    assert "bootstrap.min.css" in html and "bootstrap.rtl.min.css" not in html


def test_a_signed_in_user_keeps_the_language_on_every_device(client):
    user = UserFactory(language="ar")
    client.force_login(user)
    response = client.post("/language/", {"language": "fr", "next": "/centres/"})
    assert response.status_code == 302
    assert response["Location"] == "/centres/"
    user.refresh_from_db()
    assert user.language == "fr"
    entry = AuditEntry.objects.get(action="user.language_changed")
    assert entry.changes == {"language": ["ar", "fr"]}
    assert entry.target_label == "français"
    # Another browser without the cookie still gets French for this user.
    other = type(client)()
    other.force_login(user)
    assert '<html lang="fr"' in other.get("/").content.decode()


def test_an_unknown_language_changes_nothing(client):
    user = UserFactory(language="ar")
    client.force_login(user)
    client.post("/language/", {"language": "xx", "next": "/"})
    user.refresh_from_db()
    assert user.language == "ar"
    assert "language" not in client.cookies


def test_the_switch_never_redirects_to_another_site(client):
    response = client.post("/language/", {"language": "fr", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_the_switch_only_accepts_post(client):
    assert client.get("/language/?language=fr").status_code == 405


def _sign_in(client, user, **extra):
    return client.post(
        "/accounts/login/", {"username": user.username, "password": TEST_PASSWORD, **extra}
    )


def test_the_sign_in_page_offers_the_languages(client):
    html = client.get("/accounts/login/").content.decode()
    assert 'id="sign-in-language"' in html
    assert 'name="language" value="fr"' in html and 'name="language" value="ar"' in html


def test_the_language_chosen_on_the_sign_in_page_is_kept_and_saved(client):
    user = UserFactory(language="ar", username="samira")
    client.post("/language/", {"language": "fr", "next": "/accounts/login/"})
    assert '<html lang="fr"' in client.get("/accounts/login/").content.decode()
    assert _sign_in(client, user).status_code == 302
    assert '<html lang="fr"' in client.get("/").content.decode()
    user.refresh_from_db()
    assert user.language == "fr"
    entry = AuditEntry.objects.get(action="user.language_changed")
    assert entry.changes == {"language": ["ar", "fr"]}


def test_a_later_sign_in_without_a_choice_uses_the_saved_language(client):
    user = UserFactory(language="fr", username="samira")
    # A shared computer whose last visitor left it in Arabic.
    client.cookies["language"] = "ar"
    assert _sign_in(client, user).status_code == 302
    assert '<html lang="fr"' in client.get("/").content.decode()
    user.refresh_from_db()
    assert user.language == "fr"
    assert not AuditEntry.objects.filter(action="user.language_changed").exists()
    # The sign-in page of this browser now opens in the account's language.
    assert client.cookies["language"].value == "fr"


def test_a_choice_does_not_outlive_the_sign_in_it_was_made_for(client):
    user = UserFactory(language="ar", username="samira")
    client.post("/language/", {"language": "fr", "next": "/accounts/login/"})
    _sign_in(client, user)
    client.post("/language/", {"language": "ar", "next": "/"})
    client.post("/accounts/logout/")
    _sign_in(client, user)
    user.refresh_from_db()
    assert user.language == "ar"
    assert '<html lang="ar"' in client.get("/").content.decode()
