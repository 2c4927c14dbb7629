from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The username or password is wrong. Both are case-sensitive. After 5 failed "
            "attempts the account is locked for 30 minutes."
        ),
        "inactive": _("This account is disabled. Ask your administrator."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "dir": "ltr"})
        self.fields["password"].widget = forms.PasswordInput(
            attrs={"autocomplete": "current-password", "dir": "ltr"}
        )
