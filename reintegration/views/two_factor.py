"""Two-factor sign-in: the second step of a sign-in, setting up an app, the account page."""

from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django_otp.plugins.otp_static.models import StaticDevice

from reintegration import sign_in, two_factor
from reintegration.forms import AppCodeForm, NotificationPreferenceForm, SecondFactorForm
from reintegration.permissions import requires, signed_in
from reintegration.refusals import refusal_shown_on
from reintegration.views.auth import locked_out


@never_cache
@requires(signed_in)
def verify(request):
    """The second step: a code from the app or a recovery code. A wrong one counts as a
    failed sign-in (``sign_in.code_refused``); at the limit the session ends and the lockout
    page answers, as for wrong passwords."""
    user = request.user
    next_url = sign_in.next_url(request)
    if not sign_in.owes_second_factor(request):
        return redirect(next_url)
    if not two_factor.has_device(user):
        return redirect(sign_in.second_step(request, next_url))
    if sign_in.locked(request):
        logout(request)
        return locked_out(request)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = None
        with refusal_shown_on(form):
            device = two_factor.second_factor_verify(code=form.cleaned_data["code"], by=user)
        if device is not None:
            sign_in.confirmed(request, device)
            if isinstance(device, StaticDevice):
                _warn_recovery_codes_left(request, device.token_set.count())
            return redirect(next_url)
        if sign_in.code_refused(request):
            logout(request)
            return locked_out(request)
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": next_url})


# The set-up page shows the secret key, and the pages after it the recovery codes: no copy may
# stay in a browser's or a proxy's cache.
@never_cache
@requires(signed_in)
def setup(request):
    """Set up an authenticator app: forced at the first sign-in of a role that requires it,
    chosen from the account menu by the others, or to move to a new phone."""
    user = request.user
    next_url = sign_in.next_url(request)
    if two_factor.has_device(user) and not sign_in.verified(user):
        # Replacing a second factor takes the current one first.
        return redirect(sign_in.second_step(request, next_url))
    if request.method == "POST" and two_factor.has_device(user) and not two_factor.setting_up(user):
        # The recovery codes' page was reloaded, which sends its set-up form again: the app is
        # set up already, and the codes are shown only once.
        messages.info(
            request,
            _(
                "Your authenticator app is set up. The recovery codes are shown only once: "
                "make new ones here if you did not keep them."
            ),
        )
        return redirect("two_factor")
    form = AppCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        enrolment = None
        with refusal_shown_on(form):
            enrolment = two_factor.two_factor_enrol(code=form.cleaned_data["code"], by=user)
        if enrolment is not None:
            sign_in.confirmed(request, enrolment.device)
            return _recovery_codes(request, enrolment.recovery_codes, next_url)
    device = two_factor.two_factor_begin(by=user)
    context = {
        "form": form,
        "next": next_url,
        "qr": two_factor.qr_svg(device, title=_("QR code to scan with your authenticator app")),
        "key": two_factor.key_for_typing(device),
        "required": two_factor.required_for(user),
        "replacing": two_factor.has_device(user),
    }
    return render(request, "registration/two_factor_setup.html", context)


@never_cache
@requires(signed_in)
def account(request):
    """Where the account menu leads: whether a second factor is set up, how many recovery
    codes are left, and a new set of them (confirmed with a code from the app)."""
    user = request.user
    device = two_factor.app_device(user)
    form = AppCodeForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        codes = None
        with refusal_shown_on(form):
            codes = two_factor.recovery_codes_renew(code=form.cleaned_data["code"], by=user)
        if codes is not None:
            return _recovery_codes(request, codes, sign_in.next_url(request))
    context = {
        "device": device,
        "form": form,
        "left": two_factor.recovery_codes_left(user),
        "required": two_factor.required_for(user),
        "preference_form": NotificationPreferenceForm(instance=user),
    }
    return render(request, "registration/two_factor.html", context)


def _recovery_codes(request, codes, next_url):
    # Shown in the answer to the POST that made them, never stored for another page: reloading
    # cannot show them again.
    context = {"codes": codes, "codes_text": "\n".join(codes) + "\n", "next": next_url}
    return render(request, "registration/recovery_codes.html", context)


def _warn_recovery_codes_left(request, left: int) -> None:
    messages.warning(
        request,
        ngettext(
            "You signed in with a recovery code: %(count)d is left. Make new ones from "
            "Two-factor sign-in in your account menu.",
            "You signed in with a recovery code: %(count)d are left. Make new ones from "
            "Two-factor sign-in in your account menu.",
            left,
        )
        % {"count": left},
    )
