import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from reintegration import audit, network, sign_in
from reintegration.text import clean_text
from reintegration.views import pages


class AuditContextMiddleware:
    """Entries written to the audit log while a request is served carry its client address
    (``reintegration.network.client_ip``, which trusts PROXY_COUNT proxies), without the
    services ever seeing the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with audit.client_address(network.client_ip(request)):
            return self.get_response(request)


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on everything the application answers (ASVS 5.0 14.3.2).

    Pages, exports, PDFs and documents hold personal data of people protected by law 09-08;
    a browser must not keep them on a shared office computer after sign-out, nor a proxy keep
    them at all. Even the public pages qualify: a certificate's verification shows a name.
    Static files never reach this middleware (WhiteNoise, above it, answers them) and stay
    cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


class HealthCheckMiddleware:
    """Answers the load balancer's ``/healthz`` before the session middleware.

    With a session cookie, the middleware below would read the session from the database
    before the view runs; with the database down that read fails and the answer is a 500
    error page instead of the 503 that takes this server out of rotation. The view itself
    (``reintegration.views.pages.healthz``) is the one the URL names.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == reverse("healthz"):
            return pages.healthz(request)
        return self.get_response(request)


class SessionTimeoutMiddleware:
    """Sign out after SESSION_IDLE_TIMEOUT without a request, or SESSION_ABSOLUTE_TIMEOUT after
    sign-in, whichever comes first: shared office computers are left unlocked."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            session = request.session
            last_seen = session.get("last_seen", now)
            login_at = session.get("login_at", now)
            if (
                now - last_seen > settings.SESSION_IDLE_TIMEOUT
                or now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT
            ):
                audit.record("auth.session_expired", actor=user)
                logout(request)
                messages.info(request, _("Your session expired. Please sign in again."))
                return redirect_to_login(request.get_full_path())
            # Writing the session on every request would cost a write per page; once a minute
            # is precise enough for a 30-minute idle limit.
            if now - last_seen > 60 or "last_seen" not in session:
                session["last_seen"] = now
            session.setdefault("login_at", now)
        return self.get_response(request)


class SecondFactorMiddleware:
    """A session that owes its second factor (``reintegration.sign_in``) is sent to the second
    step, or to set one up if the person has none yet, from every page but these: the pages
    that settle it, signing out, the language switch, the health check and static files.

    Placed after django-otp's ``OTPMiddleware``, which says whether the session confirmed it.
    """

    OPEN = frozenset({"two_factor_verify", "two_factor_setup", "logout", "set_language", "healthz"})

    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request):
        if sign_in.owes_second_factor(request) and not self._open(request):
            return redirect(sign_in.second_step(request, request.get_full_path()))
        return self.get_response(request)

    def _open(self, request) -> bool:
        if request.path_info.startswith(self.static_prefix):
            return True
        try:
            return resolve(request.path_info).view_name in self.OPEN
        except Resolver404:
            return False


class UserLanguageMiddleware:
    """A signed-in user's saved language wins over the cookie; Arabic is the default for all.

    Replaces Django's LocaleMiddleware on purpose: the browser's Accept-Language is not used,
    because staff share office computers configured in whatever language the vendor chose.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        supported = {code for code, _name in settings.LANGUAGES}
        user = getattr(request, "user", None)
        language = None
        if user is not None and user.is_authenticated and user.language in supported:
            language = user.language
        if language is None:
            cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
            language = cookie if cookie in supported else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # Scoped to this request, so a thread that serves the next one starts clean.
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary = response.headers.get("Vary", "")
        if "Cookie" not in patch_vary:
            response.headers["Vary"] = ", ".join(filter(None, [patch_vary, "Cookie"]))
        return response


class CleanTextInputMiddleware:
    """Every text posted to the application is cleaned (``reintegration.text.clean_text``)
    before any view or form sees it: no bidirectional control or zero-width character is
    stored, and text is stored in NFC.

    Cleaning the request rather than each form is what makes it impossible to forget: every
    form of every app, Django's admin and authentication forms, and any view that reads
    ``request.POST`` itself get cleaned text without inheriting from anything. What does not
    arrive as posted text cleans itself: the spreadsheet import cleans every cell it reads.

    Password fields are passed through untouched: they are never displayed, and changing what
    is typed would lock out anyone whose password was set another way with such a character.
    It runs in ``process_view``, after the CSRF check, so a refused request is never parsed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or not request.POST:
            return None
        cleaned = QueryDict(mutable=True, encoding=request.POST.encoding)
        for key, values in request.POST.lists():
            keep = "password" in key
            cleaned.setlist(
                clean_text(key), [value if keep else clean_text(value) for value in values]
            )
        cleaned._mutable = False
        request.POST = cleaned
        return None
