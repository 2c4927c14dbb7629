"""What people type to draw a verification sample and to record a check."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ceremonies import verification
from ceremonies.models import VerificationCheck
from reintegration.forms import BLANK_CHOICE, DateInput
from reintegration.numbers import WholeNumberField

BLANK = [("", BLANK_CHOICE)]


class DrawForm(forms.Form):
    COMPUTED, TYPED = "computed", "typed"

    mode = forms.ChoiceField(
        label=_("Sample size"),
        choices=[
            (COMPUTED, _("Compute it from a confidence level and a margin of error")),
            (TYPED, _("Type it")),
        ],
        initial=COMPUTED,
        widget=forms.RadioSelect,
    )
    confidence = forms.TypedChoiceField(
        label=_("Confidence level"),
        choices=[(level, f"{level} %") for level in verification.CONFIDENCE_LEVELS],
        coerce=int,
        initial=95,
        required=False,
    )
    margin = forms.TypedChoiceField(
        label=_("Margin of error"),
        choices=[(margin, f"{margin} %") for margin in verification.MARGINS],
        coerce=int,
        initial=5,
        required=False,
    )
    size = WholeNumberField(label=_("Number of beneficiaries to check"), required=False)

    def __init__(self, *args: Any, population: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.population = population
        self.fields["size"].max_value = population  # type: ignore[attr-defined]
        self.fields["size"].min_value = 1  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") == self.TYPED:
            if data.get("size") is None and "size" not in self.errors:
                self.add_error("size", _("Type how many beneficiaries to check."))
            data["confidence"] = data["margin"] = None
        elif data.get("mode") == self.COMPUTED:
            for name in ("confidence", "margin"):
                if data.get(name) in (None, ""):
                    self.add_error(name, _("Choose one."))
            data["size"] = None
        return data

    def size_to_draw(self) -> int:
        data = self.cleaned_data
        if data["size"] is not None:
            return int(data["size"])
        return verification.sample_size(
            self.population, confidence=data["confidence"], margin=data["margin"]
        )


class CheckForm(forms.Form):
    """One sampled person's check. Nothing is chosen in advance: a pre-filled "received, in
    use" would be recorded by a hurried click without anybody having asked."""

    method = forms.ChoiceField(
        label=_("How"),
        choices=VerificationCheck.Method.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the person was called or visited.")},
    )
    checked_on = forms.DateField(
        label=_("Checked on"),
        widget=DateInput(),
        error_messages={"required": _("Type the date of the call or visit.")},
    )
    received = forms.ChoiceField(
        label=_("Equipment received"),
        choices=BLANK + list(VerificationCheck.Received.choices),
        error_messages={"required": _("Say whether the equipment was received.")},
    )
    equipment = forms.ChoiceField(
        label=_("Equipment status"),
        choices=BLANK + list(VerificationCheck.Equipment.choices),
        required=False,
        help_text=_("Leave empty if nothing was received."),
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=verification.COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
