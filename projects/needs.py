"""The needs assessment made at a follow-up visit (``beneficiaries/assessments.py``): right
after a visit is recorded, the centre is offered to record the person's needs for it, kept with
the visit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from beneficiaries.models import NeedsAssessment
from beneficiaries.permissions import can_record_assessment

if TYPE_CHECKING:
    from projects.models import FollowUpVisit
    from reintegration.models import User


def assessment_of(visit: FollowUpVisit) -> NeedsAssessment | None:
    return NeedsAssessment.objects.filter(visit=visit).first()


def record_url(visit: FollowUpVisit) -> str:
    return f"{reverse('needs_new', args=[visit.project.beneficiary_id])}?visit={visit.pk}"


def can_assess(user: User, visit: FollowUpVisit) -> bool:
    """A recorded visit without its needs assessment, on a file the user writes to."""
    return (
        visit.done_on is not None
        and can_record_assessment(user, visit.project.beneficiary)
        and assessment_of(visit) is None
    )


def visit_recorded_message(user: User, visit: FollowUpVisit) -> str | SafeString:
    """What the page says once the visit is saved: with the link to its needs assessment
    while it is still to record."""
    if not can_assess(user, visit):
        return _("The visit was recorded.")
    return format_html(
        '{} <a class="alert-link" href="{}" id="visit-needs-link">{}</a>',
        _("The visit was recorded."),
        record_url(visit),
        _("Now record the needs assessment for this visit."),
    )
