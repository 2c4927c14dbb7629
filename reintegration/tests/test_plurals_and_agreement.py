"""Counts take the plural form of their number (Arabic has six), and French status words agree
with the noun they describe."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from ceremonies.models import Ceremony, Certificate
from partners.models import Convention
from reintegration.models import User

ROOT = Path(settings.BASE_DIR)
PRODUCT_APPS = ("reintegration", "beneficiaries", "partners", "projects", "ceremonies", "dashboard")


def product_python() -> list[Path]:
    return [
        path
        for app in PRODUCT_APPS
        for path in (ROOT / app).rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
    ]


def test_no_message_counts_with_a_fixed_form():
    """ "3 file(s)" reads badly in French and is wrong in Arabic: counts go through ngettext or
    {% blocktranslate count %}."""
    offenders = []
    for path in ROOT.joinpath("templates").rglob("*.html"):
        text = path.read_text()
        if re.search(r"\w\(s\)", text):
            offenders.append(f"{path}: (s)")
        # A number given to blocktranslate under a counting name without "count".
        for tag in re.findall(r"{% blocktranslate [^%]*%}", text):
            if re.search(r"\bcount \w+=", tag):
                continue
            if re.search(r"\b(count|n|months|days|hours|minutes)=", tag):
                offenders.append(f"{path}: {tag}")
    for path in product_python():
        for message in re.findall(r'_\(\s*"([^"]*)"', path.read_text()):
            if re.search(r"\w\(s\)", message):
                offenders.append(f"{path}: {message}")
    assert offenders == []


ISSUE = (
    "{% load i18n %}{% blocktranslate count counter=n %}Issue {{ counter }} certificate"
    "{% plural %}Issue {{ counter }} certificates{% endblocktranslate %}"
)
FOUND = (
    "{% load i18n formatting %}{% blocktranslate count counter=n with count=n|isolate %}"
    "{{ count }} file found.{% plural %}{{ count }} files found.{% endblocktranslate %}"
)


def render(source: str, language: str, n: int) -> str:
    with translation.override(language):
        text = Template(source).render(Context({"n": n}))
    return text.replace("\u2066", "").replace("\u2069", "")


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "إصدار محضر واحد (1)"),
        (2, "إصدار محضرين (2)"),
        (3, "إصدار 3 محاضر"),
        (10, "إصدار 10 محاضر"),
        (11, "إصدار 11 محضرا"),
        (100, "إصدار 100 محضر"),
        (103, "إصدار 103 محاضر"),
    ],
)
def test_arabic_counts_take_the_form_of_their_number(n, expected):
    assert render(ISSUE, "ar", n) == expected


@pytest.mark.parametrize(
    ("language", "n", "expected"),
    [
        ("ar", 2, "عُثر على ملفين (2)."),
        ("ar", 3, "عُثر على 3 ملفات."),
        ("ar", 25, "عُثر على 25 ملفا."),
        ("fr", 1, "1 dossier trouvé."),
        ("fr", 3, "3 dossiers trouvés."),
        ("en", 1, "1 file found."),
        ("en", 3, "3 files found."),
    ],
)
def test_the_number_of_files_found_is_a_real_plural(language, n, expected):
    assert render(FOUND, language, n) == expected


@pytest.mark.django_db
def test_the_file_list_counts_in_the_plural_of_its_number(client, users, person):
    User.objects.filter(pk=users["coordinator"].pk).update(language="en")
    client.force_login(users["coordinator"])
    html = client.get("/beneficiaries/").content.decode()
    assert "\u20661\u2069 file found." in html


def test_french_status_words_agree_with_their_noun():
    with translation.override("fr"):
        assert str(Ceremony.Status.CLOSED.label) == "clôturée"
        assert str(Ceremony.Status.CANCELLED.label) == "annulée"
        assert str(Certificate.Status.CANCELLED.label) == "annulé"
        assert str(Convention.Status.ACTIVE.label) == "active"
        assert str(Convention.Status.CLOSED.label) == "clôturée"
