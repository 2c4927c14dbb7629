"""The Content-Security-Policy refuses inline scripts, event handlers and styles, so none may be
written: not in a page template, not in HTML built by Python. The browser tests fail on any
violation of the pages they open (tests_browser/conftest.py); these read every template and
module, opened by a test or not. The permission matrix checks the header of every page and
that nothing the application answers is stored (test_permission_matrix.assert_headers)."""

import ast
import re

import pytest
from django.conf import settings

from reintegration.tests.test_layering import APPS, product_modules

TEMPLATES = settings.BASE_DIR / "templates"

INLINE = {
    # A JSON block written by hand too: the json_script filter writes those, which Chromium
    # neither runs nor reports (tests_browser/test_csp.py), and escapes what they hold.
    "an inline script": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "a <style> element": re.compile(r"<style\b", re.IGNORECASE),
    "a style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "an event handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "a javascript: address": re.compile(r"javascript:", re.IGNORECASE),
}


def inline_code(text: str) -> list[str]:
    return [kind for kind, pattern in INLINE.items() if pattern.search(text)]


def page_templates():
    """Every template but the PDF ones, which WeasyPrint renders (test_pdf.py keeps their
    styles in static/pdf/)."""
    return [
        p for p in sorted(TEMPLATES.rglob("*.html")) if "pdf" not in p.relative_to(TEMPLATES).parts
    ]


def html_strings(tree: ast.AST):
    """The string constants of a module that look like markup (f-strings included)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "<" in node.value:
            yield node.lineno, node.value


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ('<script src="/static/js/app.js"></script>', []),
        ("<script>alert(1)</script>", ["an inline script"]),
        ('<script type="application/json" id="x">{}</script>', ["an inline script"]),
        ('<p style="color: red">', ["a style attribute"]),
        ("<style>p {}</style>", ["a <style> element"]),
        ('<button onclick="go()">', ["an event handler attribute"]),
        ('<div data-on-done="reload">', []),
        ('<a href="javascript:go()">', ["a javascript: address"]),
    ],
)
def test_inline_code_is_recognised(text, found):
    assert inline_code(text) == found


def test_no_page_template_holds_inline_script_or_style():
    found = {
        str(path.relative_to(TEMPLATES)): kinds
        for path in page_templates()
        if (kinds := inline_code(path.read_text(encoding="utf-8")))
    }
    assert found == {}, "move them to static/js/ and static/css/app.css"


def test_no_python_code_writes_inline_script_or_style():
    found = []
    for app in APPS:
        for path in product_modules(app):
            for line, text in html_strings(ast.parse(path.read_text(encoding="utf-8"))):
                found += [
                    f"{path.relative_to(settings.BASE_DIR)}:{line}: {k}" for k in inline_code(text)
                ]
    assert found == []


@pytest.mark.django_db
def test_static_files_stay_cacheable(client):
    response = client.get(f"/{settings.STATIC_URL.strip('/')}/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    response.close()


@pytest.mark.django_db
def test_a_page_says_not_to_store_it_and_which_sources_it_may_use(client, users):
    client.force_login(users["coordinator"])
    response = client.get("/")
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    header = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in header and "'unsafe-eval'" not in header
