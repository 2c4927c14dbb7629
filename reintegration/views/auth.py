from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from reintegration import audit, ratelimit, sign_in
from reintegration.forms import PasswordResetRequestForm, SignInForm
from reintegration.network import client_ip
from reintegration.views import pages

HOUR = 3600


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
        # The language chosen on the sign-in page (if any) becomes the account's; taken out of
        # the session so that it serves this sign-in only: next time the saved one applies.
        chosen = self.request.session.pop(pages.CHOSEN_BEFORE_SIGN_IN, None)
        response = super().form_valid(form)
        user = self.request.user
        if chosen in dict(settings.LANGUAGES):
            pages.save_language(user, chosen)
        # The next sign-in page on this browser opens in the account's language.
        pages.set_language_cookie(response, user.language)
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


class PasswordResetView(auth_views.PasswordResetView):
    """Asking for a reset link: the same answer whether or not an account has the address,
    a few requests an hour per client address and per address asked for."""

    template_name = "registration/password_reset_form.html"
    form_class = PasswordResetRequestForm
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        client = ratelimit.client_bucket(client_ip(self.request))
        limit = settings.PASSWORD_RESET_PER_CLIENT_HOURLY
        if ratelimit.exceeded("password-reset-client", client, limit=limit, window=HOUR):
            context = {"form": form, "limited": True}
            return render(self.request, self.template_name, context, status=429)
        email = form.cleaned_data["email"].casefold()
        limit = settings.PASSWORD_RESET_PER_EMAIL_HOURLY
        # Over the limit for this address, nothing more is sent, and the answer does not say
        # so: nobody can flood a colleague's mailbox, nor learn anything from the page.
        if not ratelimit.exceeded("password-reset-email", email, limit=limit, window=HOUR):
            form.save(request=self.request)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choosing the new password from the link. It does not sign in: the sign-in page then
    asks for the new password and, where there is one, the second factor."""

    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record("auth.password_reset_done", actor=form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
