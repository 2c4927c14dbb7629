from django.conf import settings
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from reintegration import audit
from reintegration.models import Centre, User
from reintegration.permissions import can_view_centres, requires


@requires(can_view_centres)
def centre_list(request):
    centres = Centre.objects.visible_to(request.user).select_related("province__region")
    return render(request, "reintegration/centre_list.html", {"centres": centres})


# The language chosen before signing in, kept in the (anonymous) session that signing in
# carries over: the sign-in then makes it the account's language.
CHOSEN_BEFORE_SIGN_IN = "language_chosen"


@require_POST
def set_language(request):
    """Switch the interface language; a signed-in user keeps the choice on every device."""
    language = request.POST.get("language", "")
    target = request.POST.get("next") or request.headers.get("referer") or reverse("home")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("home")
    response = HttpResponseRedirect(target)
    if language not in dict(settings.LANGUAGES):
        return response
    set_language_cookie(response, language)
    if request.user.is_authenticated:
        save_language(request.user, language)
    else:
        request.session[CHOSEN_BEFORE_SIGN_IN] = language
    return response


def set_language_cookie(response, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=True,
    )


def save_language(user: User, language: str) -> None:
    """The user's language becomes ``language`` on every device, audited."""
    if user.language == language:
        return
    old = user.language
    user.language = language
    user.save(update_fields=["language"])
    audit.record(
        "user.language_changed",
        actor=user,
        target=user,
        target_label=translation.get_language_info(language)["name_local"],
        changes={"language": [old, language]},
    )


@require_GET
def healthz(request):
    """For the load balancer: 200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
