"""What headquarters types to keep the catalogue of partners' services."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from partners.models import Partner, PartnerService
from reintegration.forms import BLANK_CHOICE


class PartnerServiceForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = PartnerService
        fields = ["partner", "name_ar", "name_fr", "kind", "active"]
        error_messages = {
            "partner": {"required": _("Choose the partner that offers the service.")},
            "kind": {"required": _("Choose the kind of service.")},
        }
        widgets = {"name_ar": forms.TextInput(attrs={"dir": "rtl", "lang": "ar"})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        partner = cast(forms.ModelChoiceField, self.fields["partner"])
        partner.queryset = Partner.objects.order_by("name_fr")
        partner.empty_label = BLANK_CHOICE
        # The kind starts on the blank prompt, never on a preselected answer.
        self.fields["kind"].choices = [("", BLANK_CHOICE), *PartnerService.Kind.choices]
        self.fields["active"].help_text = _(
            "Untick when the partner no longer offers it: past referrals keep it, new ones "
            "cannot choose it."
        )
        self.fields["version"].initial = self.instance.version
