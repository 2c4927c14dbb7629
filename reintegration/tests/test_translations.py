import importlib.util

from django.conf import settings
from django.utils import translation


def load_checker():
    path = settings.BASE_DIR / "scripts" / "check_translations.py"
    spec = importlib.util.spec_from_file_location("check_translations", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_arabic_and_french_catalogues_are_complete():
    checker = load_checker()
    assert checker.problems("ar") == []
    assert checker.problems("fr") == []


def test_the_compiled_catalogues_are_in_use():
    with translation.override("ar"):
        assert translation.gettext("Audit log") == "سجل التتبع"
    with translation.override("fr"):
        assert translation.gettext("Audit log") == "Journal d'audit"


def test_no_script_mix_ups_in_the_catalogues():
    """French text carries no Arabic letters the English does not, and Arabic uses Western
    digits (the Moroccan administrative usage), never Eastern Arabic ones."""
    import re

    import polib

    arabic = re.compile("[\u0600-\u06ff]")
    eastern_digits = re.compile("[\u0660-\u0669\u06f0-\u06f9]")
    locale = settings.BASE_DIR / "locale"
    french = polib.pofile(str(locale / "fr" / "LC_MESSAGES" / "django.po"))
    assert [e.msgid for e in french if arabic.search(e.msgstr) and not arabic.search(e.msgid)] == []
    arabic_po = polib.pofile(str(locale / "ar" / "LC_MESSAGES" / "django.po"))
    assert [e.msgid for e in arabic_po if eastern_digits.search(e.msgstr)] == []
