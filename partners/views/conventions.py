from django.shortcuts import render

from partners import permissions
from partners.hooks import convention_sections
from partners.models import Convention, Partner
from reintegration.permissions import requires
from reintegration.scoping import get_visible_or_404


def _get_convention(request, pk) -> Convention:
    return get_visible_or_404(Convention.objects.select_related("programme"), request.user, pk=pk)


@requires(permissions.can_view_conventions)
def convention_list(request):
    conventions = (
        Convention.objects.visible_to(request.user)
        .select_related("programme")
        .prefetch_related("provinces")
    )
    return render(request, "partners/convention_list.html", {"conventions": conventions})


@requires(permissions.can_view_conventions)
def convention_detail(request, pk):
    convention = _get_convention(request, pk)
    visible = convention.movements.visible_to(request.user)
    return render(
        request,
        "partners/convention_detail.html",
        {
            "convention": convention,
            "contributions": convention.contributions.select_related("partner"),
            "tranches": convention.tranches.all(),
            # Amounts are public to the convention's readers; which person they went to is not.
            "movements": visible.select_related("project__beneficiary", "actor"),
            "hidden_movements": convention.movements.exclude(pk__in=visible.values("pk")).count(),
            "provinces": convention.provinces.all(),
            "can_manage": permissions.can_manage_conventions(request.user),
            "sections": convention_sections(convention, request.user),
        },
    )


@requires(permissions.can_view_conventions)
def partner_list(request):
    partners = Partner.objects.select_related("region", "province").prefetch_related("contacts")
    return render(request, "partners/partner_list.html", {"partners": partners})
