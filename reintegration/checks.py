"""System checks for what PDFs need from the machine, since nothing else would say so."""

import ctypes.util
from pathlib import Path

from django.core.checks import Warning, register

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts")


def harfbuzz_subset_available() -> bool:
    return ctypes.util.find_library("harfbuzz-subset") is not None


def amiri_font_available(font_dirs=FONT_DIRS) -> bool:
    return any(
        next(directory.rglob("Amiri-Regular.*"), None) is not None
        for directory in font_dirs
        if directory.is_dir()
    )


@register()
def pdf_dependencies(app_configs, **kwargs):
    warnings = []
    if not harfbuzz_subset_available():
        warnings.append(
            Warning(
                "HarfBuzz subsetting (libharfbuzz-subset0) is not installed: every PDF will "
                "embed whole fonts and render about ten times slower.",
                hint="apt-get install libharfbuzz-subset0",
                id="reintegration.W001",
            )
        )
    if not amiri_font_available():
        warnings.append(
            Warning(
                "The Amiri Arabic font is not installed: Arabic text in PDFs may not be shaped "
                "or joined correctly.",
                hint="apt-get install fonts-hosny-amiri",
                id="reintegration.W002",
            )
        )
    return warnings


@register(deploy=True)
def public_address(app_configs, **kwargs):
    """Certificates print PUBLIC_URL under their QR code: in production it must be the site."""
    from django.conf import settings

    if settings.PUBLIC_URL.startswith("https://"):
        return []
    return [
        Warning(
            f"PUBLIC_URL is {settings.PUBLIC_URL!r}: handover certificates would print an "
            "address the public cannot reach.",
            hint="Set PUBLIC_URL to the site's https:// address.",
            id="reintegration.W003",
        )
    ]
