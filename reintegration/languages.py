"""The language of the pages the public opens.

Staff pages follow the account's saved language or the language chosen with the switch
(``reintegration.middleware.UserLanguageMiddleware``), never the browser's: office computers
come set up in whatever language the vendor chose. A visitor who scans the code of a handover
certificate has no account and usually no choice yet, so there the browser's language decides,
Arabic or French, and Arabic when the browser asks for neither.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header

PUBLIC_LANGUAGES = ("ar", "fr")


def browser_language(accept_language: str) -> str:
    """The first of Arabic or French in the browser's order of preference, else Arabic."""
    for tag, _quality in parse_accept_lang_header(accept_language or ""):
        code = tag.split("-")[0].lower()
        if code in PUBLIC_LANGUAGES:
            return code
    return PUBLIC_LANGUAGES[0]


def follows_browser_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The view answers in the visitor's browser language unless they chose one with the
    switch (the cookie) or are signed in (their saved language)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) in dict(settings.LANGUAGES)
        if chosen or request.user.is_authenticated:
            response = view(request, *args, **kwargs)
        else:
            language = browser_language(request.headers.get("accept-language", ""))
            request.LANGUAGE_CODE = language
            with translation.override(language):
                response = view(request, *args, **kwargs)
            response.headers["Content-Language"] = language
        patch_vary_headers(response, ["Accept-Language"])
        return response

    return wrapped
