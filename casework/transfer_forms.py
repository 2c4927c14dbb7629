"""What people type to transfer a file and to change referents."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Beneficiary
from reintegration.models import Centre, User


class TransferRequestForm(forms.Form):
    to_centre = forms.TypedChoiceField(
        label=_("Centre that takes the file over"),
        coerce=int,
        error_messages={"required": _("Choose the centre where the person settled.")},
    )
    reason = forms.CharField(
        label=_("Reason for the transfer"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The receiving centre reads it before answering, e.g. where the person now lives."
        ),
        error_messages={"required": _("Say why the file should move to another centre.")},
    )

    def __init__(self, *args, centres: list[Centre], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.centres = {centre.pk: centre for centre in centres}
        field = self.fields["to_centre"]
        field.choices = [("", "—")] + [(centre.pk, centre.name) for centre in centres]

    def centre(self) -> Centre:
        return self.centres[self.cleaned_data["to_centre"]]


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why your centre declines"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Say why the transfer is declined: the requesting centre will read it.")
        },
    )


class ReassignForm(forms.Form):
    """The caseload page's bulk action: the ticked files go to one coordinator."""

    files = forms.ModelMultipleChoiceField(
        queryset=Beneficiary.objects.none(),
        error_messages={
            "required": _("Tick the files to hand over."),
            "invalid_choice": _(
                "Some of these files are no longer in your lists: reload the page."
            ),
            "invalid_pk_value": _(
                "Some of these files are no longer in your lists: reload the page."
            ),
        },
    )
    to = forms.ModelChoiceField(
        label=_("Reassign to"),
        queryset=User.objects.none(),
        empty_label="—",
        error_messages={"required": _("Choose the coordinator who will follow these files.")},
    )

    def __init__(self, *args, files, candidates, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["files"].queryset = files
        to = self.fields["to"]
        to.queryset = candidates
        to.label_from_instance = lambda user: user.get_full_name() or user.get_username()
