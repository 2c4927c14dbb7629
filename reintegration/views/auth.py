from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from reintegration import audit, sign_in
from reintegration.forms import SignInForm


def locked_out(request, *args, **kwargs):
    """Axes calls this instead of the login view while a username and address are locked."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)


class SignInView(auth_views.LoginView):
    """The password step. Whoever owes a second factor goes on to it (or to setting one up),
    keeping the page they asked for; the others are signed in."""

    template_name = "registration/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if not sign_in.owes_second_factor(self.request):
            sign_in.completed(self.request)
        return response

    def get_success_url(self):
        url = super().get_success_url()
        if sign_in.owes_second_factor(self.request):
            return sign_in.second_step(self.request, url)
        return url


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record("auth.password_changed", actor=self.request.user)
        messages.success(self.request, _("Your password was changed."))
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"
