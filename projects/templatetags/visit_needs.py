"""The card of a follow-up visit's page about the needs assessment made at that visit."""

from django import template

from projects import needs

register = template.Library()


@register.inclusion_tag("projects/_visit_needs.html", takes_context=True)
def visit_needs(context, visit):
    user = context["request"].user
    return {
        "visit": visit,
        "assessment": needs.assessment_of(visit) if visit.done_on else None,
        "can_assess": needs.can_assess(user, visit),
        "record_url": needs.record_url(visit),
        "b": visit.project.beneficiary,
    }
