"""The home page's filters."""

from __future__ import annotations

from django import forms
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import ProgrammeTrack
from dashboard.selectors import Filters
from projects.models import Sector
from reintegration.forms import DateInput, ListSelect
from reintegration.models import Centre, Role
from reintegration.territories import name_order

# The levels of territory each role may choose among, and their headings in the select.
OFFERED = {
    Role.NATIONAL: ("region", "province", "centre"),
    Role.AUDITOR: ("region", "province", "centre"),
    Role.REGIONAL: ("province", "centre"),
    Role.OFFICIAL: ("centre",),
}
HEADINGS = {
    "region": _("Regions"),
    "province": _("Prefectures and provinces"),
    "centre": _("Centres"),
}


class DashboardFilterForm(forms.Form):
    """The home page's filters. Choices come from the user's own scope: a territory outside it
    is simply not offered, and an invented value is refused like any invalid choice."""

    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    track = forms.ChoiceField(label=_("Programme track"), required=False, widget=ListSelect)
    sector = forms.ChoiceField(label=_("Sector"), required=False, widget=ListSelect)
    territory = forms.ChoiceField(label=_("Territory"), required=False, widget=ListSelect)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # The options are read when the form is validated or drawn, not before: an unfiltered
        # page whose figures are already rendered (dashboard.views) reads none of them.
        everything = [("", _("All"))]
        self.fields["track"].choices = lambda: everything + _named(self.tracks)
        self.fields["sector"].choices = lambda: everything + _named(self.sectors)
        offered = OFFERED.get(user.role, ())
        if offered:
            self.fields["territory"].choices = lambda: (
                everything
                + [
                    (HEADINGS[level], _named(self._levels[level], prefix=f"{level}-"))
                    for level in offered
                ]
            )
        else:
            del self.fields["territory"]
        for field in self.fields.values():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs["class"] = f"{css} {css}-sm"

    @cached_property
    def tracks(self) -> dict:
        return {t.pk: t for t in ProgrammeTrack.objects.all()}

    @cached_property
    def sectors(self) -> dict:
        return {s.pk: s for s in Sector.objects.all()}

    @cached_property
    def _levels(self) -> dict[str, dict]:
        # The territories are those of the centres in scope: one query gives all three levels.
        centres = list(Centre.objects.visible_to(self.user).select_related("province__region"))
        return {
            "region": {c.province.region_id: c.province.region for c in centres},
            "province": {c.province_id: c.province for c in centres},
            "centre": {c.pk: c for c in centres},
        }

    @cached_property
    def territories(self) -> dict:
        offered = OFFERED.get(self.user.role, ())
        return {
            f"{level}-{pk}": place for level in offered for pk, place in self._levels[level].items()
        }

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end of the period comes before its start."))
        return data

    def filters(self):
        """The chosen filters; when the form has errors, none (the page says what is wrong)."""
        if not self.is_bound or not self.is_valid():
            return Filters()
        data = self.cleaned_data
        return Filters(
            date_from=data["date_from"],
            date_to=data["date_to"],
            track=self.tracks.get(int(data["track"])) if data["track"] else None,
            sector=self.sectors.get(int(data["sector"])) if data["sector"] else None,
            territory=self.territories.get(data.get("territory") or ""),
        )


def _named(objects: dict, prefix: str = "") -> list[tuple[str, str]]:
    # Sorted by the name in the reader's language.
    named = ((f"{prefix}{pk}", obj.name) for pk, obj in objects.items())
    return sorted(named, key=lambda c: name_order(c[1]))
