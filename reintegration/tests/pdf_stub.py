"""PDF rendering stubbed out, for tests that only look at who may get a document (status codes,
redirects), never at what it says.

The template is still rendered, with its context and language, so a broken template or a
missing variable still fails the test; only WeasyPrint's layout, the slow part, is replaced by a
one-page PDF that pikepdf can still merge (the ceremony batch). Tests that read a PDF's text
keep the real rendering: they never use this.
"""

import io

import pikepdf
from django.contrib.staticfiles import finders

from reintegration import pdf


def blank_pdf() -> bytes:
    document = pikepdf.new()
    document.add_blank_page()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


BLANK_PDF = blank_pdf()


class LayoutSkipped:
    """Stands for ``weasyprint.HTML`` in ``reintegration.pdf.render_pdf``."""

    def __init__(self, *, string: str, url_fetcher=None):
        assert string.strip(), "the PDF template rendered nothing"
        self.html = string

    def write_pdf(self, *, font_config=None, stylesheets=()) -> bytes:
        return BLANK_PDF


def skip_pdf_layout(monkeypatch) -> None:
    monkeypatch.setattr(pdf, "HTML", LayoutSkipped)
    # Scanning the system fonts and parsing stylesheets are WeasyPrint's too (once per process,
    # but a second or so the first time): skipped, the stylesheet still has to exist.
    monkeypatch.setattr(pdf, "font_config", lambda: None)
    monkeypatch.setattr(pdf, "stylesheet", stylesheet_found)


def stylesheet_found(name: str) -> str:
    assert finders.find(name), f"no static stylesheet {name}"
    return name
