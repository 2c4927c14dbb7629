from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries.forms import DateInput, not_in_future
from projects.models import BudgetLine, FollowUpVisit, LifeProject, Trade
from projects.services import LINE_FIELDS, PLAN_FIELDS
from reintegration.formatting import format_mad
from reintegration.forms import BLANK_CHOICE
from reintegration.numbers import AmountField, QuantityField, numbers_formfield

# The smallest amount or quantity above zero: AmountField says "greater than zero" for it.
CENT = Decimal("0.01")


class ProjectForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = LifeProject
        fields = PLAN_FIELDS
        formfield_callback = numbers_formfield
        widgets = {
            "training_start": DateInput(),
            "training_end": DateInput(),
            **{
                name: forms.Textarea(attrs={"rows": 3})
                for name in (
                    "skills",
                    "experience",
                    "needs",
                    "market_fit",
                    "description",
                    "ceiling_justification",
                )
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trade"].queryset = Trade.objects.filter(active=True).select_related("sector")
        if "expected_monthly_income" in self.fields:
            self.fields["expected_monthly_income"].min_value = Decimal(0)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("training_start"), cleaned.get("training_end")
        if start and end and end < start:
            self.add_error("training_end", _("The training cannot end before it starts."))
        return cleaned


class BudgetLineForm(forms.ModelForm):
    """A line whose total alone exceeds the programme track's ceiling, or whose unit price is
    above ``AMOUNT_CONFIRM_ABOVE``, is most often a typing slip (a comma read as nothing turned
    8500,50 into 850.050,00). It is saved only once the user confirms these very figures with
    "Save anyway"; until then the form comes back with what was typed."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = BudgetLine
        fields = LINE_FIELDS
        field_classes = {"quantity": QuantityField}
        formfield_callback = numbers_formfield

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        # What "Save anyway" sends back: the figures the user was warned about.
        self.confirmation = ""
        for name in ("quantity", "unit_price"):
            self.fields[name].min_value = CENT

    def clean(self):
        cleaned = super().clean()
        quantity, price = cleaned.get("quantity"), cleaned.get("unit_price")
        if quantity is None or price is None or self.errors:
            return cleaned
        reasons = []
        total = (quantity * price).quantize(CENT)
        track = self.project.beneficiary.track if self.project else None
        if track is not None and track.ceiling is not None and total > track.ceiling:
            reasons.append(
                _(
                    "This line alone comes to %(total)s, more than the ceiling of the programme "
                    "track “%(track)s” for the whole project (%(ceiling)s)."
                )
                % {
                    "total": format_mad(total),
                    "track": track.name,
                    "ceiling": format_mad(track.ceiling),
                }
            )
        if price > settings.AMOUNT_CONFIRM_ABOVE:
            reasons.append(
                _("A unit price of %(price)s is unusually high (above %(limit)s).")
                % {"price": format_mad(price), "limit": format_mad(settings.AMOUNT_CONFIRM_ABOVE)}
            )
        token = f"{quantity}x{price}"
        if reasons and self.data.get(self.add_prefix("confirm")) != token:
            self.confirmation = token
            reasons.append(
                _("Check the quantity and the unit price: if they are right, choose “Save anyway”.")
            )
            self.add_error(None, ValidationError(" ".join(str(r) for r in reasons), code="confirm"))
        return cleaned


class BudgetVersionForm(forms.Form):
    """The version of the project the budget page was opened at: its lines are saved together,
    under one version (reintegration.concurrency)."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class BudgetRowForm(BudgetLineForm):
    """One line of the budget page. Its figures are confirmed line by line ("Save anyway"
    becomes a box to tick on the line it concerns)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["version"]
        self.fields["designation"].widget.attrs["dir"] = "auto"


class BaseBudgetFormSet(forms.BaseModelFormSet):
    def __init__(self, *args, project, **kwargs):
        self.project = project
        super().__init__(
            *args, queryset=project.lines.all(), form_kwargs={"project": project}, **kwargs
        )

    def changes(self) -> tuple[list[tuple[BudgetLine | None, dict]], list[BudgetLine]]:
        """What the service saves and removes: the lines new or changed, the lines ticked."""
        saved, removed = [], []
        for form in self.forms:
            if form.instance.pk and self._should_delete_form(form):
                removed.append(form.instance)
            elif form.has_changed() and not self._should_delete_form(form):
                saved.append((form.instance if form.instance.pk else None, form.cleaned_data))
        return saved, removed

    def kept(self) -> list[BudgetLine]:
        """The lines the budget will hold once saved, with the figures typed (unsaved)."""
        return [
            BudgetLine(
                quantity=form.cleaned_data["quantity"], unit_price=form.cleaned_data["unit_price"]
            )
            for form in self.forms
            if (form.instance.pk or form.has_changed()) and not self._should_delete_form(form)
        ]


# Two empty rows to type new lines in: without scripts, saving brings two more; with them,
# "Add a line" adds one row at a time (static/js/formset.js).
BudgetFormSet = forms.modelformset_factory(
    BudgetLine,
    form=BudgetRowForm,
    formset=BaseBudgetFormSet,
    fields=LINE_FIELDS,
    extra=2,
    can_delete=True,
    max_num=200,
    validate_max=True,
)


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, needs_comment: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if needs_comment:
            # Returning, rejecting and abandoning tell the centre why (the service checks too);
            # said on the field, so the form comes back with the error where it belongs.
            self.fields["comment"].required = True
            self.fields["comment"].error_messages["required"] = _(
                "Write a comment for the centre: say what must change or why."
            )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[c for c in LifeProject.Outcome.choices if c[0] != LifeProject.Outcome.ABANDONED],
    )
    exit_reason = forms.ChoiceField(
        label=_("Why the follow-up ends"),
        choices=[("", BLANK_CHOICE), *LifeProject.ExitReason.choices],
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if (
            data.get("exit_reason") == LifeProject.ExitReason.BUSINESS_FAILED
            and data.get("outcome")
            and data["outcome"] != LifeProject.Outcome.FAILED
        ):
            self.add_error(
                "outcome",
                _("A business that failed closes with the outcome “business failed”."),
            )
        return data


class YesNoField(forms.TypedChoiceField):
    """A required yes or no that starts empty: the visitor chooses, nothing is preselected
    (a select of "unknown, yes, no" opened on "unknown" that the form then refused)."""

    CHOICES = {"true": True, "false": False}

    def __init__(self, **kwargs):
        kwargs.pop("choices", None)
        kwargs.pop("coerce", None)
        kwargs.pop("empty_value", None)
        super().__init__(
            choices=[("", BLANK_CHOICE), ("true", _("yes")), ("false", _("no"))],
            coerce=self.CHOICES.get,
            empty_value=None,
            **kwargs,
        )

    def prepare_value(self, value):
        # A recorded visit shows its answer selected again.
        if isinstance(value, bool):
            return "true" if value else "false"
        return value


class VisitForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = FollowUpVisit
        formfield_callback = numbers_formfield
        field_classes = {"business_active": YesNoField, "equipment_in_use": YesNoField}
        fields = [
            "done_on",
            "kind",
            "business_active",
            "monthly_income",
            "jobs_created",
            "equipment_in_use",
            "difficulties",
            "next_steps",
            "reincarcerated_on",
            "reincarceration_source",
        ]
        widgets = {
            "done_on": DateInput(),
            "reincarcerated_on": DateInput(),
            "difficulties": forms.Textarea(attrs={"rows": 2}),
            "next_steps": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("done_on", "kind", "business_active", "equipment_in_use"):
            self.fields[name].required = True
        # The kind starts on the blank prompt, never on a preselected answer.
        self.fields["kind"].choices = [("", BLANK_CHOICE), *FollowUpVisit.Kind.choices]
        if not self.instance.done_on:
            # A visit is most often recorded on the day it is made. (The instance's empty date
            # would otherwise win over the field's initial value.)
            self.initial["done_on"] = timezone.localdate()
        self.fields["monthly_income"].min_value = Decimal(0)
        self.fields["version"].initial = self.instance.version

    def clean_done_on(self):
        day = self.cleaned_data["done_on"]
        not_in_future(day)
        return day

    def clean(self):
        cleaned = super().clean()
        day = cleaned.get("reincarcerated_on")
        if day:
            if day > timezone.localdate():
                self.add_error("reincarcerated_on", _("This date is in the future."))
            if not cleaned.get("reincarceration_source"):
                self.add_error("reincarceration_source", _("Say where the information comes from."))
        return cleaned


class ApproveForm(CommentForm):
    """The final approval charges the budget to one or two conventions covering the person's
    province; the approver sees what each has left."""

    SPLITS = 2

    def __init__(self, *args, project, **kwargs):
        from partners.models import Convention

        super().__init__(*args, **kwargs)
        # The money follows the person's province of residence, whatever the approver's own
        # territory covers.
        conventions = Convention.objects.covering(project.beneficiary.residence_province_id)
        self.conventions = list(conventions)
        choices = [("", "—")] + [
            (c.pk, f"{c.reference} · {format_mad(c.remaining)}") for c in self.conventions
        ]
        best = next((c for c in self.conventions if c.remaining >= project.requested_total), None)
        for index in range(1, self.SPLITS + 1):
            self.fields[f"convention_{index}"] = forms.TypedChoiceField(
                label=_("Convention and what it has left"),
                choices=choices,
                coerce=int,
                required=False,
                empty_value=None,
            )
            self.fields[f"amount_{index}"] = AmountField(
                label=_("Amount (DH)"), required=False, max_digits=14, min_value=CENT
            )
        if best is not None:
            self.fields["convention_1"].initial = best.pk
            self.fields["amount_1"].initial = project.requested_total

    def clean(self):
        cleaned = super().clean()
        by_pk = {c.pk: c for c in self.conventions}
        splits = []
        for index in range(1, self.SPLITS + 1):
            convention, amount = cleaned.get(f"convention_{index}"), cleaned.get(f"amount_{index}")
            if convention and amount:
                splits.append((by_pk[convention], amount))
            elif convention or amount:
                self.add_error(f"amount_{index}", _("Choose a convention and an amount together."))
        cleaned["allocations"] = splits
        return cleaned
