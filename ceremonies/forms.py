from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from beneficiaries.forms import DateInput
from ceremonies.models import Ceremony, Handover, HandoverItem
from ceremonies.services import parse_serials, serial_problem
from partners.models import Convention, Tranche
from reintegration.models import Centre, Role
from reintegration.numbers import AmountField, QuantityField, numbers_formfield

# The smallest amount or quantity above zero: AmountField says "greater than zero" for it.
CENT = Decimal("0.01")


class CeremonyForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Ceremony
        fields = (
            "centre",
            "held_on",
            "place",
            "presided_by",
            "authority",
            "authority_other",
            "conventions",
            "tranche",
            "attendees",
        )
        widgets = {
            "held_on": DateInput(),
            "attendees": forms.Textarea(attrs={"rows": 3}),
            "conventions": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "place": _("For example: the province seat, the centre, a prison."),
            "presided_by": _("Name of the wali, governor or other authority."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        centres = Centre.objects.visible_to(user).filter(active=True)
        conventions = Convention.objects.visible_to(user).filter(status=Convention.Status.ACTIVE)
        self.fields["centre"].queryset = centres
        self.fields["conventions"].queryset = conventions
        self.fields["tranche"].queryset = Tranche.objects.filter(
            convention__in=conventions
        ).select_related("convention")
        self.fields["tranche"].label_from_instance = lambda t: (
            _("%(reference)s, tranche %(number)s")
            % {"reference": t.convention.reference, "number": t.number}
        )
        if user.role == Role.COORDINATOR or self.instance.pk:
            # A coordinator plans for their own centre; a planned ceremony keeps its centre.
            self.fields["centre"].disabled = True
            self.fields["centre"].initial = (
                self.instance.centre_id if self.instance.pk else (user.centre_id)
            )
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def clean(self):
        data = super().clean()
        if (
            data.get("authority") == Ceremony.Authority.OTHER
            and not data.get("authority_other", "").strip()
        ):
            self.add_error("authority_other", _("Give the title of the presiding authority."))
        return data


class ProjectPickForm(forms.Form):
    projects = forms.ModelMultipleChoiceField(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one beneficiary.")},
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["projects"].queryset = queryset


class HandoverForm(forms.Form):
    cheque_amount = AmountField(
        label=_("Working-capital cheque (DH)"), required=False, max_digits=12, min_value=CENT
    )
    cheque_number = forms.CharField(label=_("Cheque number"), required=False, max_length=30)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, settled=False, **kwargs):
        super().__init__(*args, **kwargs)
        if settled:
            for name in ("cheque_amount", "cheque_number"):
                self.fields[name].disabled = True

    def clean(self):
        data = super().clean()
        # An amount that could not be read already has its error, which says how to type it.
        typed = "cheque_amount" in self.errors or data.get("cheque_amount")
        if data.get("cheque_number", "").strip() and not typed:
            self.add_error("cheque_amount", _("Enter the amount of the cheque."))
        return data


class HandoverItemForm(forms.ModelForm):
    # One serial per unit, typed one per line: a line of two machines gets two lines here.
    serial_numbers = forms.CharField(
        label=_("Serial numbers"),
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 2,
                "dir": "ltr",
                "autocomplete": "off",
                "spellcheck": "false",
                "aria-describedby": "serials-help",
            }
        ),
    )

    class Meta:
        model = HandoverItem
        field_classes = {"quantity": QuantityField}
        formfield_callback = numbers_formfield
        fields = ("designation", "brand", "serial_numbers", "quantity", "unit_value")

    def __init__(self, *args, settled=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.serials_warning = None
        if self.instance.pk:
            serials = [unit.serial for unit in self.instance.serials.all()]
            self.fields["serial_numbers"].initial = "\n".join(serials)
            units = int(self.instance.quantity) if serials else 1
            self.fields["serial_numbers"].widget.attrs["rows"] = min(max(units, 2), 8)
            # Lines moved from the former single serial field may lack the other units'.
            self.serials_warning = serial_problem(
                designation=self.instance.designation,
                quantity=self.instance.quantity,
                serials=serials,
            )
        for field in self.fields.values():
            # Rendered as a table row, one input per cell (no label per cell).
            field.widget.attrs.setdefault("class", "form-control form-control-sm")
        for name in ("quantity", "unit_value"):
            self.fields[name].min_value = CENT
            # Once the ceremony is held the money has moved: values are settled.
            self.fields[name].disabled = settled

    def clean(self):
        data = super().clean()
        data["serials"] = parse_serials(data.get("serial_numbers", ""))
        if data.get("quantity") is not None and data.get("designation"):
            problem = serial_problem(
                designation=data["designation"], quantity=data["quantity"], serials=data["serials"]
            )
            if problem:
                self.add_error("serial_numbers", problem)
        return data


def item_formset(*, settled: bool):
    return forms.inlineformset_factory(
        Handover,
        HandoverItem,
        form=HandoverItemForm,
        extra=0 if settled else 2,
        can_delete=not settled,
        min_num=1,
        validate_min=True,
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why.")},
    )


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=20,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
