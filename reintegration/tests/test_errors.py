import logging

import pytest
from django.test import Client
from django.urls import path

from reintegration.tests.factories import UserFactory
from reintegration.urls import urlpatterns as real_urlpatterns

pytestmark = pytest.mark.django_db


def broken_view(request):
    raise RuntimeError("boom")


urlpatterns = [*real_urlpatterns, path("boom/", broken_view)]
handler400 = "reintegration.views.errors.bad_request"
handler500 = "reintegration.views.errors.server_error"


def test_an_unknown_address_gets_the_layout_and_a_plain_message(client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "هذه الصفحة غير موجودة، أو لا تدخل ضمن نطاق اختصاصك." in html
    assert 'dir="rtl"' in html
    assert "Not Found: /no-such-page/" in caplog.text


def test_a_crash_shows_a_calm_page_without_a_stack_trace(client, settings, caplog):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    client.raise_request_exception = False
    client.force_login(UserFactory(language="fr"))
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Un problème est survenu" in html
    assert "RuntimeError" not in html and "Traceback" not in html
    assert "Internal Server Error: /boom/" in caplog.text


def test_a_form_sent_without_its_token_is_refused_with_a_page_that_says_why(caplog):
    client = Client(enforce_csrf_checks=True)
    with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
        response = client.post("/accounts/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403
    assert "ظلت الاستمارة مفتوحة مدة طويلة أو تم إرسالها مرتين." in response.content.decode()
    assert "Forbidden (CSRF cookie not set.): /accounts/login/" in caplog.text


def test_a_forbidden_page_says_the_role_does_not_allow_it(client, users):
    client.force_login(users["coordinator"])
    client.cookies["language"] = "fr"  # the user's saved language (Arabic) wins
    response = client.get("/audit/")
    assert response.status_code == 403
    assert "لا يسمح دورك بالقيام بهذا الإجراء." in response.content.decode()
