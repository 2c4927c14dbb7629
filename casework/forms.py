from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Beneficiary
from casework import selectors
from casework.models import REASON_LENGTH, TITLE_LENGTH, Task
from reintegration.forms import DateInput
from reintegration.models import User


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.get_full_name() or obj.get_username()} · {obj.get_role_display()}"


def _people(beneficiary: Beneficiary, **kwargs) -> PersonChoiceField:
    return PersonChoiceField(
        queryset=selectors.assignable_people(beneficiary),
        required=False,
        empty_label=_("Nobody yet (whoever takes it)"),
        **kwargs,
    )


class TaskForm(forms.Form):
    title = forms.CharField(label=_("What to do"), max_length=TITLE_LENGTH)
    due_on = forms.DateField(label=_("Due on"), widget=DateInput())
    project = forms.ModelChoiceField(
        queryset=Task._meta.get_field("project").related_model.objects.none(),
        label=_("Life project"),
        required=False,
        empty_label=_("The file as a whole"),
    )

    def __init__(self, *args, beneficiary: Beneficiary, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = beneficiary.projects.order_by("-created_at", "-pk")
        self.fields["assignee"] = _people(beneficiary, label=_("Assigned to"))
        people = self.fields["assignee"].queryset
        # Whoever writes the task takes it, unless they do not work on the file (headquarters):
        # then its referent.
        if people.filter(pk=user.pk).exists():
            self.fields["assignee"].initial = user.pk
        elif beneficiary.referent_id and people.filter(pk=beneficiary.referent_id).exists():
            self.fields["assignee"].initial = beneficiary.referent_id
        self.fields["due_on"].initial = timezone.localdate() + datetime.timedelta(days=7)


class PostponeForm(forms.Form):
    due_on = forms.DateField(label=_("New due date"), widget=DateInput())
    reason = forms.CharField(
        label=_("Why it is postponed"),
        max_length=REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReassignForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, task: Task, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"] = _people(task.beneficiary, label=_("Give the task to"))
        self.fields["assignee"].initial = task.assignee_id
        self.order_fields(["assignee", "version"])
