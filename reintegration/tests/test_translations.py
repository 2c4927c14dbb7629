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
