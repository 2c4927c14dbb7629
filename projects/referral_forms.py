"""What people type to refer a person to a partner's service, record its answer and outcome,
and record a placement in employment and its checks. Every choice starts on the blank prompt;
dates are typed day/month/year; pays are typed the Moroccan way (``3 500,00``)."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries.forms import not_in_future
from partners.models import PartnerService
from projects.forms import BLANK_CHOICE, YesNoField
from projects.models import Placement, Referral
from projects.placements import Answer
from reintegration.forms import DateInput
from reintegration.money import MAX_AMOUNT
from reintegration.numbers import AmountField

NO_PAY = _("No pay for a job the person no longer holds: leave it empty.")


class _Dated(forms.Form):
    """A date that is most often today, and never in the future."""

    DATE_FIELDS: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in self.DATE_FIELDS:
            self.fields[name].initial = timezone.localdate()
            self.fields[name].validators.append(not_in_future)


def pay_field() -> AmountField:
    return AmountField(
        label=_("Monthly pay (DH)"),
        required=False,
        min_value=0,
        max_value=MAX_AMOUNT,
        help_text=_("In dirhams, e.g. 3 500,00."),
    )


class ReferralForm(_Dated):
    DATE_FIELDS = ("referred_on",)

    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=PartnerService.objects.none(),
        empty_label=BLANK_CHOICE,
        error_messages={"required": _("Choose the service the person is referred to.")},
    )
    request = forms.CharField(
        label=_("What is asked"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        help_text=_("What the partner is asked to do for the person, as the partner will read it."),
        error_messages={"required": _("Say what is asked of the partner.")},
    )
    referred_on = forms.DateField(label=_("Referred on"), widget=DateInput())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        service = cast(forms.ModelChoiceField, self.fields["service"])
        service.queryset = PartnerService.objects.active().select_related("partner")
        service.label_from_instance = lambda s: f"{s.name} · {s.partner.name}"


class ReferralAnswerForm(_Dated):
    DATE_FIELDS = ("answered_on",)
    ANSWERS = {"accepted": True, "declined": False}

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    answer = forms.TypedChoiceField(
        label=_("The partner's answer"),
        choices=[
            ("", BLANK_CHOICE),
            ("accepted", _("accepted the referral")),
            ("declined", _("declined the referral")),
        ],
        coerce=ANSWERS.get,
        empty_value=None,
        error_messages={"required": _("Choose whether the partner accepted or declined.")},
    )
    answered_on = forms.DateField(label=_("Date of the answer"), widget=DateInput())


class ReferralOutcomeForm(_Dated):
    DATE_FIELDS = ("outcome_on",)

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    outcome = forms.ChoiceField(
        label=_("Result"),
        choices=[("", BLANK_CHOICE), *Referral.Outcome.choices],
        error_messages={"required": _("Choose what came of the referral.")},
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        help_text=_("What the person obtained, or why not."),
    )
    outcome_on = forms.DateField(label=_("Date of the outcome"), widget=DateInput())


class PlacementForm(_Dated):
    DATE_FIELDS = ("started_on",)

    employer = forms.CharField(
        label=_("Employer"),
        max_length=200,
        error_messages={"required": _("Give the employer.")},
    )
    job = forms.CharField(
        label=_("Job"), max_length=200, error_messages={"required": _("Give the job.")}
    )
    started_on = forms.DateField(label=_("Start date"), widget=DateInput())
    monthly_pay = pay_field()
    referral = forms.ModelChoiceField(
        label=_("Referral that led to it"),
        queryset=Referral.objects.none(),
        required=False,
        empty_label=_("none"),
    )

    def __init__(self, *args, referrals, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["referral"])
        field.queryset = referrals
        field.label_from_instance = lambda r: f"{r.service.name} · {r.service.partner.name}"
        if not referrals:
            del self.fields["referral"]


class PlacementEndForm(_Dated):
    DATE_FIELDS = ("ended_on",)

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    ended_on = forms.DateField(label=_("End date"), widget=DateInput())


class PlacementCheckForm(_Dated):
    DATE_FIELDS = ("checked_on",)

    checked_on = forms.DateField(label=_("Date of the check"), widget=DateInput())
    employed = YesNoField(
        label=_("Still employed?"),
        error_messages={"required": _("Say whether the person still holds this job.")},
    )
    monthly_pay = pay_field()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("employed") is False and cleaned.get("monthly_pay"):
            self.add_error("monthly_pay", NO_PAY)
        return cleaned

    def answer(self) -> Answer:
        return Answer(
            employed=self.cleaned_data["employed"], monthly_pay=self.cleaned_data["monthly_pay"]
        )


class VisitPlacementsForm(forms.Form):
    """At a follow-up visit, for each open placement of the person: still employed (yes or
    no, nothing preselected) and the pay. Its fields are named after the placement
    (``employed_<id>``, ``pay_<id>``) so that they sit beside the visit's own form."""

    def __init__(self, *args, placements: list[Placement], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.placements = placements
        for placement in placements:
            self.fields[f"employed_{placement.pk}"] = YesNoField(
                label=_("Still employed?"),
                error_messages={"required": _("Say whether the person still holds this job.")},
            )
            self.fields[f"pay_{placement.pk}"] = pay_field()
            # A visit being corrected shows the answers given at it.
            check = next(iter(getattr(placement, "visit_checks", [])), None)
            if check is not None:
                self.initial[f"employed_{placement.pk}"] = check.employed
                self.initial[f"pay_{placement.pk}"] = check.monthly_pay

    def rows(self):
        """Each placement with its two fields, for the template."""
        return [(p, self[f"employed_{p.pk}"], self[f"pay_{p.pk}"]) for p in self.placements]

    def clean(self):
        cleaned = super().clean()
        for placement in self.placements:
            if cleaned.get(f"employed_{placement.pk}") is False and cleaned.get(
                f"pay_{placement.pk}"
            ):
                self.add_error(f"pay_{placement.pk}", NO_PAY)
        return cleaned

    def answers(self) -> dict[int, Answer]:
        return {
            p.pk: Answer(
                employed=self.cleaned_data[f"employed_{p.pk}"],
                monthly_pay=self.cleaned_data.get(f"pay_{p.pk}"),
            )
            for p in self.placements
        }
