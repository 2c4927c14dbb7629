"""The dashboard's "needs by domain" block: how many people of the reader's scope are red,
amber or green on their latest needs assessment, domain by domain, and how many have none.

Counts only (``beneficiaries.assessments.needs_by_domain``, two queries), which is what lets
officials have the block for their province. Computed on every request, beside the cached
figures: it reads the people the dashboard's own scope rule grants (``dashboard_scope``)."""

from django import template

from beneficiaries.assessments import needs_by_domain
from beneficiaries.models import Beneficiary
from dashboard.selectors import dashboard_scope

register = template.Library()


@register.inclusion_tag("dashboard/_needs_table.html", takes_context=True)
def needs_by_domain_table(context):
    people = dashboard_scope(context["request"].user, Beneficiary)
    return {"rows": needs_by_domain(people)}
