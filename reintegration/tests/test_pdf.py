"""Static files a document uses are read by the renderer's fetcher from disk, in development
as on a server that holds only the collected static files."""

from __future__ import annotations

import shutil

import pytest
from django.conf import settings

from reintegration import pdf
from reintegration.pdf import StaticOnlyFetcher

STYLESHEETS = settings.BASE_DIR / "static" / "pdf"


def fetcher():
    return StaticOnlyFetcher(allowed_protocols={"file", "data"})


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
    assert pdf.find_static("pdf/certificate.css") == collected_only / "pdf" / "certificate.css"
    response = fetcher().fetch("static:pdf/certificate.css")
    try:
        assert response.read() == (STYLESHEETS / "certificate.css").read_bytes()
    finally:
        response.close()


@pytest.mark.parametrize("name", ["../settings.py", "/etc/passwd", "pdf/missing.css"])
def test_nothing_outside_the_static_files_is_found(collected_only, name):
    assert pdf.find_static(name) is None
