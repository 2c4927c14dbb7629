"""The public verification page answers in the visitor's browser language (Arabic or French,
Arabic otherwise) unless they chose one."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reintegration.languages import browser_language
from reintegration.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/verify/"


def lang_of(response) -> str:
    html = response.content.decode()
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("fr-FR,fr;q=0.9,en;q=0.8", "fr"),
        ("fr-MA", "fr"),
        ("ar-MA,ar;q=0.9", "ar"),
        ("en-US,fr;q=0.5", "fr"),
        ("en-US,en;q=0.9", "ar"),
        ("ar;q=0.4,fr;q=0.8", "fr"),
        ("", "ar"),
    ],
)
def test_the_page_follows_the_browser(client, accept, expected):
    response = client.get(PAGE, headers={"accept-language": accept})
    assert lang_of(response) == expected
    assert response["Content-Language"] == expected
    assert "Accept-Language" in response["Vary"]


def test_a_visitor_who_chose_a_language_keeps_it(client):
    client.post("/language/", {"language": "ar", "next": PAGE})
    response = client.get(PAGE, headers={"accept-language": "fr-FR,fr;q=0.9"})
    assert lang_of(response) == "ar"


def test_a_signed_in_member_of_staff_reads_it_in_their_language(client):
    client.force_login(UserFactory(language="ar"))
    response = client.get(PAGE, headers={"accept-language": "fr-FR"})
    assert lang_of(response) == "ar"


def test_an_unknown_code_is_answered_in_the_browser_language(client):
    response = client.get(f"{PAGE}ABCD-EFGH-JKLM/", headers={"accept-language": "fr"})
    assert response.status_code == 404
    assert lang_of(response) == "fr"


@given(st.text(max_size=80))
def test_any_header_gives_arabic_or_french(header):
    assert browser_language(header) in ("ar", "fr")
