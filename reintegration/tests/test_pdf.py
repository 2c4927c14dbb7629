"""Documents are styled one way: stylesheets under static/pdf/, linked from their templates and
read by the renderer's fetcher from disk, in development as on a server that holds only the
collected static files. A missing stylesheet would not stop WeasyPrint (it logs and prints
the document unstyled), so these tests are what notice it."""

from __future__ import annotations

import logging
import re
import shutil

import pytest
from django.conf import settings

from reintegration import pdf
from reintegration.pdf import StaticOnlyFetcher, render_pdf

TEMPLATES = settings.BASE_DIR / "templates"
STYLESHEETS = settings.BASE_DIR / "static" / "pdf"
LINK = re.compile(r'<link rel="stylesheet" href="static:([^"]+)">')
INCLUDE = re.compile(r'{%\s*include\s+"([^"]+)"')


def document_templates():
    """The templates under templates/pdf/ and every template they include, so that a part
    shared with a page (dashboard/_report_body.html) is held to the same rule."""
    seen, todo = {}, sorted(TEMPLATES.glob("pdf/**/*.html"))
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen[path] = path.read_text(encoding="utf-8")
        todo += [TEMPLATES / name for name in INCLUDE.findall(seen[path])]
    return seen


def fetcher():
    return StaticOnlyFetcher(allowed_protocols={"file", "data"})


def test_no_document_template_carries_its_own_styles():
    found = [
        str(path.relative_to(TEMPLATES))
        for path, source in document_templates().items()
        if re.search(r"<style|\sstyle=", source, re.IGNORECASE)
    ]
    assert found == [], "styles belong in static/pdf/*.css"


def test_every_linked_stylesheet_is_found_and_every_stylesheet_is_linked():
    linked = {name for source in document_templates().values() for name in LINK.findall(source)}
    # The certificate is drawn without a template; its stylesheet still styles the page the
    # benchmark measures it against (benchmarks/certificates.py, the floor).
    floor = (settings.BASE_DIR / "benchmarks" / "certificates.py").read_text(encoding="utf-8")
    assert LINK.findall(floor) == ["pdf/certificate.css"]
    linked |= set(LINK.findall(floor))
    assert "pdf/base.css" in linked
    for name in linked:
        response = fetcher().fetch(f"static:{name}")
        try:
            assert response.content_type == "text/css", name
            assert response.read(), name
        finally:
            response.close()
    on_disk = {f"pdf/{path.name}" for path in STYLESHEETS.glob("*.css")}
    assert on_disk - linked == set(), "a stylesheet no document links"


def test_weasyprint_loads_the_linked_stylesheets_through_the_fetcher(caplog, monkeypatch):
    asked = []
    fetch = StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        asked.append(url)
        return fetch(self, url, headers)

    monkeypatch.setattr(StaticOnlyFetcher, "fetch", spy)
    # A resource that fails to load is logged as an error (and the document printed without it).
    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        assert render_pdf("pdf/base.html", {}).startswith(b"%PDF")
    assert asked == ["static:pdf/base.css"]
    assert caplog.records == []


@pytest.fixture
def collected_only(settings, tmp_path):
    """A server that serves collected files and has no source static folders."""
    shutil.copytree(STYLESHEETS, tmp_path / "pdf")
    settings.STATIC_ROOT = tmp_path
    settings.STATICFILES_DIRS = []
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    return tmp_path


def test_a_server_with_only_collected_static_files_finds_the_stylesheets(collected_only):
    assert pdf.find_static("pdf/base.css") == collected_only / "pdf" / "base.css"
    response = fetcher().fetch("static:pdf/certificate.css")
    try:
        assert response.read() == (STYLESHEETS / "certificate.css").read_bytes()
    finally:
        response.close()


@pytest.mark.parametrize("name", ["../settings.py", "/etc/passwd", "pdf/missing.css"])
def test_nothing_outside_the_static_files_is_found(collected_only, name):
    assert pdf.find_static(name) is None
