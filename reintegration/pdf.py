"""PDF rendering with WeasyPrint: one font configuration for the process, and a URL fetcher
that only reads the project's own static files (``static:img/logo.svg``) and inline ``data:``
URIs, never a path or address that came from data typed by a user.

Documents are styled one way: stylesheets under ``static/pdf/``, linked from their templates
as ``<link rel="stylesheet" href="static:pdf/base.css">``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

STATIC_SCHEME = "static:"
# Official documents are Arabic first, with French beside (DOMAIN.md §5.5).
DOCUMENT_LANGUAGES = ("ar", "fr")


def find_static(name: str) -> Path | None:
    """The file of the static asset ``name``: from the source folders (development, and a
    server that runs from its checkout), else from the collected files (``STATIC_ROOT``), so
    that a server holding only collected files prints the same documents. Read from disk
    either way: a PDF never waits on a request to the site itself."""
    try:
        found = finders.find(name)
        if found:
            return Path(found)
        if staticfiles_storage.exists(name):
            return Path(staticfiles_storage.path(name))
    except (SuspiciousFileOperation, NotImplementedError):
        # A path out of the static folders, or a storage with no local files.
        pass
    return None


class StaticOnlyFetcher(URLFetcher):
    def fetch(self, url, headers=None):
        if url.startswith(STATIC_SCHEME):
            found = find_static(url[len(STATIC_SCHEME) :].lstrip("/"))
            if found:
                return super().fetch(found.as_uri(), headers)
        elif url.startswith("data:"):
            return super().fetch(url, headers)
        raise ValueError(f"PDF resources are limited to the project's static files: {url!r}")


@lru_cache(maxsize=1)
def font_config() -> FontConfiguration:
    # Building a font configuration scans the system fonts: once per process, not per PDF.
    return FontConfiguration()


def pdf_response(content: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    """A PDF download (or, ``inline``, one the browser opens to print)."""
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def render_pdf(template: str, context: dict, language: str | None = None) -> bytes:
    with translation.override(language or translation.get_language()):
        html = render_to_string(template, context)
    document = HTML(string=html, url_fetcher=StaticOnlyFetcher(allowed_protocols={"file", "data"}))
    return document.write_pdf(font_config=font_config())


def bilingual(value: Any) -> dict[str, str]:
    """A lazy translation in each document language: ``{"ar": …, "fr": …}``."""
    result = {}
    for language in DOCUMENT_LANGUAGES:
        with translation.override(language):
            result[language] = str(value)
    return result
