"""PDF rendering stubbed out, for tests that only look at who may get a document (status codes,
redirects), never at what it says.

The template is still rendered, with its context and language, so a broken template or a
missing variable still fails the test; only WeasyPrint's layout, the slow part, is replaced by a
one-page PDF that pikepdf can still merge (the ceremony batch). Handover certificates are drawn
without WeasyPrint (ceremonies/certificate_pdf.py): their snapshot is still built and checked,
only the drawing is skipped. Tests that read a PDF's text keep the real rendering: they never
use this.
"""

import io
import re

import pikepdf

from reintegration import pdf

STYLESHEET = re.compile(r'<link rel="stylesheet" href="static:([^"]+)"')


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
        # What WeasyPrint would fetch must still exist.
        for name in STYLESHEET.findall(string):
            assert pdf.find_static(name), f"no static stylesheet {name}"
        self.html = string

    def write_pdf(self, *, font_config=None) -> bytes:
        return BLANK_PDF


def certificate_skipped(snapshot: dict, labels: dict) -> bytes:
    """Stands for ``ceremonies.certificate_pdf.render``: what the drawing would read is there."""
    missing = {"number", "verify_url", "beneficiary", "items", "total", "words"} - set(snapshot)
    assert not missing, f"the certificate's snapshot lacks {sorted(missing)}"
    assert labels and all(labels.values()), "a certificate label is empty"
    return BLANK_PDF


def skip_pdf_layout(monkeypatch) -> None:
    from ceremonies import certificate_pdf

    monkeypatch.setattr(pdf, "HTML", LayoutSkipped)
    monkeypatch.setattr(certificate_pdf, "render", certificate_skipped)
    # Scanning the system fonts is WeasyPrint's too (once per process, but a second or so the
    # first time): skipped.
    monkeypatch.setattr(pdf, "font_config", lambda: None)
