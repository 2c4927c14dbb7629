import datetime
import functools

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from reintegration import passwords
from reintegration.audit_text import FAMILIES
from reintegration.models import AccessEntry, User
from reintegration.network import client_ip

# The prompt of a choice nothing is chosen in yet (Django's own, on every form).
BLANK_CHOICE = "---------"


class ListSelect(forms.Select):
    """A select whose options are written in Python. Django renders every option through its
    own template, about 0.1 ms each: 11 ms for the 83 provinces on every list page, as much for
    the dashboard's territories (docs/benchmarks.md). The markup is Django's to the character
    (groups, white space, attributes in their order), escaped the same way."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        if self.allow_multiple_selected:
            return super().render(name, value, attrs, renderer)
        chosen = self.format_value(value)
        parts = [f'<select name="{conditional_escape(name)}"']
        parts.append(_attributes(self.build_attrs(self.attrs, attrs)))
        parts.append(">")
        selected = False
        # iter(): list() would first ask a model choice iterator its length, one COUNT query.
        for group_value, group_label in iter(self.choices):
            grouped = isinstance(group_label, list | tuple)
            if grouped:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_value)}">')
            for option_value, label in group_label if grouped else [(group_value, group_label)]:
                text = "" if option_value is None else str(option_value)
                mark = ""
                if not selected and text in chosen:
                    mark, selected = " selected", True
                parts.append(
                    f'\n  <option value="{conditional_escape(text)}"{mark}>'
                    # Django's option template ends with a line break of its own.
                    f"{conditional_escape(label)}</option>\n"
                )
            if grouped:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped)


def _attributes(attrs: dict) -> str:
    """Attributes as Django's ``attrs.html`` writes them: in their order, a True one by its
    name alone, a False one left out."""
    return "".join(
        f" {name}" if value is True else f' {name}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def blank_fields(form_class: type[forms.BaseForm]) -> dict[str, str]:
    """The fields of an empty ``form_class`` as ``as_crispy_field`` renders them, by name, in
    the active language. A form whose empty fields read nothing from the database (no model
    choices, no initial values from data) renders the same on every page: it is rendered once
    per language and process instead of on every request (about 1 ms a field)."""
    return _blank_fields(form_class, get_language())


@functools.cache
def _blank_fields(form_class: type[forms.BaseForm], language: str) -> dict[str, str]:
    form = form_class()
    return {name: as_crispy_field(form[name]) for name in form.fields}


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


class DateInput(forms.DateInput):
    """A date typed as day/month/year. Not ``<input type="date">``: browsers lay that out in
    their own locale's order (mm/dd/yyyy in an English Chromium), whatever the page's language;
    the formats read are those of ``reintegration/formats``."""

    input_type = "text"

    def __init__(self, attrs=None):
        defaults = {"placeholder": _("dd/mm/yyyy"), "dir": "ltr"}
        super().__init__(attrs={**defaults, **(attrs or {})})

    def format_value(self, value):
        # Zero-padded, the year on four digits, whatever the language: what is shown can be
        # sent back as it is.
        if isinstance(value, datetime.date):
            return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
        return super().format_value(value)


class LogFilterForm(forms.Form):
    """The filters shared by the audit log and the access log. Every field is optional; a
    field typed wrongly is shown with its error and left out of the filter."""

    user = forms.CharField(
        label=_("User"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
    file_number = forms.CharField(
        label=_("File number"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select" if select else "form-control"

    def clean_file_number(self):
        # File and certificate numbers are stored in capitals (TNG-2026-0042, PV-2026-00042).
        return self.cleaned_data["file_number"].strip().upper()

    def clean_user(self):
        return self.cleaned_data["user"].strip()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned


class AuditLogFilterForm(LogFilterForm):
    # The menu offers the families of actions (``auth.``); a whole action code
    # (``auth.login``) typed in the address filters too.
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=64,
        widget=forms.Select(choices=[("", _("All actions")), *FAMILIES]),
    )
    field_order = ["action"]


class AccessLogFilterForm(LogFilterForm):
    kind = forms.ChoiceField(
        label=_("What was opened"),
        required=False,
        choices=[("", _("Everything")), *AccessEntry.Kind.choices],
    )
    field_order = ["kind"]


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


class NotificationPreferenceForm(forms.ModelForm):
    """The account page's choice of an e-mail copy of each notification; saved by
    ``notifications.preference_set``, not by the form."""

    class Meta:
        model = User
        fields = ["email_notifications"]
