from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction

from partners.models import (
    Contribution,
    Convention,
    IndhProgramme,
    Partner,
    PartnerContact,
    Tranche,
)
from partners.services import check_convention
from reintegration import audit
from reintegration.admin import NationalAdmin, NationalInline, admin_site


@admin.register(IndhProgramme, site=admin_site)
class IndhProgrammeAdmin(NationalAdmin):
    list_display = ["code", "name_fr", "name_ar"]


class ContactInline(NationalInline):
    model = PartnerContact
    extra = 1


@admin.register(Partner, site=admin_site)
class PartnerAdmin(NationalAdmin):
    list_display = ["name_fr", "name_ar", "kind", "province", "region"]
    list_filter = ["kind", "region"]
    search_fields = ["name_fr", "name_ar"]
    autocomplete_fields = ["province", "region"]
    inlines = [ContactInline]


class ConventionChildFormSet(forms.BaseInlineFormSet):
    """Checks the convention as a whole (contributions add up, tranches fit the envelope) once
    the parent form and every inline row are valid."""

    def clean(self):
        super().clean()
        rows = [
            form.instance
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        self.instance._pending = getattr(self.instance, "_pending", {})
        self.instance._pending[self.model] = rows
        if len(self.instance._pending) == 2:
            problems = check_convention(
                self.instance,
                self.instance._pending[Contribution],
                self.instance._pending[Tranche],
            )
            if problems:
                raise ValidationError(problems)


class ContributionInline(NationalInline):
    model = Contribution
    formset = ConventionChildFormSet
    extra = 2
    autocomplete_fields = ["partner"]


class TrancheInline(ContributionInline):
    model = Tranche
    autocomplete_fields = []


class ConventionForm(forms.ModelForm):
    class Meta:
        model = Convention
        fields = [
            "reference",
            "title",
            "title_ar",
            "programme",
            "signed_on",
            "starts_on",
            "ends_on",
            "provinces",
            "envelope",
            "status",
            "scan",
        ]

    def clean(self):
        cleaned = super().clean()
        self.instance.envelope = cleaned.get("envelope")
        problems = check_convention(self.instance, [], [])
        if problems:
            raise ValidationError(problems)
        return cleaned


@admin.register(Convention, site=admin_site)
class ConventionAdmin(NationalAdmin):
    form = ConventionForm
    list_display = ["reference", "title", "status", "envelope", "committed", "disbursed"]
    list_filter = ["status", "programme"]
    search_fields = ["reference", "title", "title_ar"]
    filter_horizontal = ["provinces"]
    readonly_fields = ["committed", "disbursed"]
    inlines = [ContributionInline, TrancheInline]

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        if change:
            # Only the edited fields are written: committed and disbursed belong to the ledger
            # services, and a full save would put back the values read before a concurrent
            # approval. The envelope is checked again under the row lock for the same reason.
            locked = Convention.objects.select_for_update().get(pk=obj.pk)
            if obj.envelope < locked.committed:
                raise ValidationError(check_convention(obj, [], []))
            fields = [name for name in form.changed_data if name != "provinces"]
            obj.save(update_fields=fields or ["status"])
        else:
            obj.save()
        audit.record(
            "convention.saved",
            actor=request.user,
            target=obj,
            changes={
                name: str(form.cleaned_data.get(name))
                for name in form.changed_data
                if name != "scan"
            },
        )
