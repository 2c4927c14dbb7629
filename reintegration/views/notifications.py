"""The notifications inbox: what happened that concerns the user, each leading to its object;
and the choice of an e-mail copy, on the account page."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reintegration import notifications
from reintegration.forms import NotificationPreferenceForm
from reintegration.models import Notification
from reintegration.pagination import paginate
from reintegration.permissions import requires, signed_in


@requires(signed_in)
def notification_list(request):
    page = paginate(request, notifications.inbox(request.user))
    rows = [(notification, notifications.text(notification)) for notification in page]
    return render(request, "reintegration/notifications.html", {"page": page, "rows": rows})


@requires(signed_in)
def notification_open(request, pk):
    """Marks the notification read and follows its link. Someone else's is missing (404); a
    link that would leave the application leads back to the inbox instead."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notifications.mark_read(user=request.user, notification_id=notification.pk)
    target = notification.url
    if not (
        target.startswith("/")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return redirect("notification_list")
    return redirect(target)


@require_POST
@requires(signed_in)
def notifications_read_all(request):
    changed = notifications.mark_read(user=request.user)
    if changed:
        messages.success(request, _("All your notifications are marked read."))
    return redirect("notification_list")


@require_POST
@requires(signed_in)
def notification_preference(request):
    """The e-mail copy of notifications, on or off (a checkbox of the account page)."""
    form = NotificationPreferenceForm(request.POST)
    form.is_valid()  # a checkbox: absent is False, anything else True
    wanted = bool(form.cleaned_data.get("email_notifications"))
    notifications.preference_set(by=request.user, email=wanted)
    if wanted:
        messages.success(request, _("You will receive a copy of your notifications by e-mail."))
    else:
        messages.success(request, _("You will no longer receive notifications by e-mail."))
    return redirect("two_factor")
