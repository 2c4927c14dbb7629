from django.contrib import admin

from projects.models import Sector, Trade
from reintegration.admin import NationalAdmin, admin_site


@admin.register(Sector, site=admin_site)
class SectorAdmin(NationalAdmin):
    list_display = ["code", "name_fr", "name_ar"]
    search_fields = ["name_fr", "name_ar"]


@admin.register(Trade, site=admin_site)
class TradeAdmin(NationalAdmin):
    list_display = ["code", "name_fr", "name_ar", "sector", "active"]
    list_filter = ["sector", "active"]
    search_fields = ["name_fr", "name_ar"]
