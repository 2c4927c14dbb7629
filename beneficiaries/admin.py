from django.contrib import admin

from beneficiaries.models import ConsentText, Establishment, ProgrammeTrack
from reintegration.admin import NationalAdmin, admin_site


@admin.register(ProgrammeTrack, site=admin_site)
class ProgrammeTrackAdmin(NationalAdmin):
    list_display = ["code", "name_fr", "name_ar", "ceiling", "active"]


@admin.register(Establishment, site=admin_site)
class EstablishmentAdmin(NationalAdmin):
    list_display = ["name_fr", "name_ar", "kind", "province", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name_fr", "name_ar"]
    autocomplete_fields = ["province"]


@admin.register(ConsentText, site=admin_site)
class ConsentTextAdmin(NationalAdmin):
    list_display = ["version", "published_on"]

    def has_change_permission(self, request, obj=None):
        # A text people agreed to is never rewritten: publish a new version instead.
        return obj is None and super().has_change_permission(request, obj)
