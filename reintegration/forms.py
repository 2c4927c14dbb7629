from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from reintegration import passwords
from reintegration.network import client_ip


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The username or password is wrong. Both are case-sensitive. After %(limit)s failed "
            "attempts the account is locked for %(minutes)s minutes."
        ),
        "inactive": _("This account is disabled. Ask your administrator."),
    }

    def get_invalid_login_error(self):
        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={
                "limit": settings.AXES_FAILURE_LIMIT,
                "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            },
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "dir": "ltr"})
        self.fields["password"].widget = forms.PasswordInput(
            attrs={"autocomplete": "current-password", "dir": "ltr"}
        )


def _code_input(**attrs) -> forms.TextInput:
    # Codes are Latin digits and letters, read left to right in Arabic pages too; the browser
    # may offer a code it received (one-time-code), never spell-check or capitalise it.
    return forms.TextInput(
        attrs={
            "autocomplete": "one-time-code",
            "dir": "ltr",
            "spellcheck": "false",
            "autocapitalize": "none",
            "class": "font-monospace",
            **attrs,
        }
    )


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_(
            "The 6 digits your authenticator app shows now, or one of your recovery codes."
        ),
        widget=_code_input(autofocus=True),
    )


class AppCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=16,
        help_text=_("The 6 digits the app shows now."),
        widget=_code_input(inputmode="numeric"),
    )


class PasswordResetRequestForm(PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update({"dir": "ltr", "autofocus": True})

    def get_users(self, email):
        return passwords.users_for_reset(email)

    def save(self, *, request=None, **kwargs):
        """Queue the look-up and the e-mails (reintegration/passwords.py) instead of sending
        them here: the page then costs the same whether or not an account has the address."""
        passwords.password_reset_request(
            email=self.cleaned_data["email"],
            client_address=client_ip(request) if request is not None else None,
        )
