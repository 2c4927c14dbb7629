"""Error pages in the site's layout and the user's language, never a stack trace."""

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string


def csrf_failure(request, reason=""):
    # Django's CSRF middleware has already logged the failure and its reason.
    return render(request, "403_csrf.html", status=403)


def server_error(request):
    # Rendered with the request so the page has its layout and language; if that itself fails
    # (the error may be in the layout), fall back to the bare template.
    try:
        return render(request, "500.html", status=500)
    except Exception:
        return HttpResponseServerError(render_to_string("500_bare.html"))


def bad_request(request, exception):
    return render(request, "400.html", status=400)
