"""The catalogue of partners' services: read by staff, kept by headquarters."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from partners import permissions
from partners.forms import PartnerServiceForm
from partners.models import PartnerService
from partners.partner_services import partner_service_save
from reintegration.permissions import requires
from reintegration.refusals import refusal_shown_on


@requires(permissions.can_view_partner_services)
def partner_service_list(request):
    services = PartnerService.objects.select_related("partner").order_by(
        "-active", "partner__name_fr", "name_fr", "pk"
    )
    return render(
        request,
        "partners/service_list.html",
        {
            "services": services,
            "can_manage": permissions.can_manage_partner_services(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@requires(permissions.can_manage_partner_services)
def partner_service_edit(request, pk=None):
    # Reference data of all of Morocco: headquarters, the only editors, see every service.
    service = get_object_or_404(PartnerService, pk=pk) if pk is not None else None
    form = PartnerServiceForm(request.POST or None, instance=service)
    if request.method == "POST" and form.is_valid():
        with refusal_shown_on(form):
            partner_service_save(
                service=service,
                by=request.user,
                data=form.cleaned_data,
                version=form.cleaned_data.get("version"),
            )
            messages.success(request, _("The service was saved."))
            return redirect("partner_service_list")
    return render(request, "partners/service_form.html", {"form": form, "service": service})
