"""The inbox's rows are written in Python (``projects/templatetags/inbox.py``) for speed: they
must be the markup the template wrote, to the character, in both languages, whatever the
text holds."""

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from beneficiaries.models import ProgrammeTrack
from projects.models import LifeProject
from projects.templatetags.inbox import inbox_rows
from projects.tests.test_inbox import waiting_since
from projects.views import INBOX_COLUMNS

pytestmark = pytest.mark.django_db

# The rows as the inbox's template wrote them before.
TEMPLATE_ROWS = (
    "{% load i18n formatting %}"
    '{% translate "Project" as l_project %}{% translate "Beneficiary" as l_person %}'
    '{% translate "Centre" as l_centre %}{% translate "Programme track" as l_track %}'
    '{% translate "Trade" as l_trade %}{% translate "Budget" as l_budget %}'
    '{% translate "Submitted" as l_submitted %}{% translate "Days waiting" as l_days %}'
    "{% for p in projects %}\n  <tr>\n"
    '    <td data-label="{{ l_project }}"><a href="{% url \'project_detail\' p.pk %}">'
    "{{ p.title }}</a><br>"
    '<span class="small ltr text-body-secondary">{{ p.beneficiary.file_number }}</span></td>\n'
    '    <td data-label="{{ l_person }}" class="inbox-name">{{ p.beneficiary.display_name }}'
    "</td>\n"
    '    <td data-label="{{ l_centre }}">{{ p.beneficiary.centre.name }}</td>\n'
    '    <td data-label="{{ l_track }}">{{ p.beneficiary.track.name }}</td>\n'
    '    <td data-label="{{ l_trade }}">{{ p.trade.name|default:"—" }}</td>\n'
    '    <td class="text-end amount" data-label="{{ l_budget }}">{{ p.requested_total|mad }}'
    '{% if p.over_ceiling %}<br><span class="badge text-bg-warning text-wrap over-ceiling">'
    "{% blocktranslate with ceiling=p.ceiling|mad %}over the ceiling of {{ ceiling }}"
    "{% endblocktranslate %}</span>{% endif %}</td>\n"
    '    <td class="text-nowrap" data-label="{{ l_submitted }}">{{ p.submitted_at|shortdate }}'
    "</td>\n"
    '    <td class="text-end" data-label="{{ l_days }}"><span class="ltr">{{ p.days_waiting }}'
    "</span></td>\n  </tr>\n  {% endfor %}"
)


@pytest.fixture
def projects(centre, users):
    """Under and over their track's ceiling, on a track without one, without a trade, with
    every character HTML escapes in the title and the names, waiting for days or for more
    than a thousand."""
    made = [
        waiting_since(centre, users, 3, first_name_latin="Saïd <b>", last_name_ar="الناصري"),
        waiting_since(centre, users, 12, price="1233737.62", first_name_ar="نادية & 'ر'"),
        waiting_since(centre, users, 1200, track="moussalaha", last_name_latin='"Bekkali"'),
    ]
    LifeProject.objects.filter(pk=made[0].pk).update(title="Couture <script> & \"'fils'\"")
    LifeProject.objects.filter(pk=made[1].pk).update(trade=None)
    ProgrammeTrack.objects.filter(code="moussalaha").update(ceiling=None)
    rows = (
        LifeProject.objects.select_related("beneficiary__centre", "beneficiary__track", "trade")
        .only(*INBOX_COLUMNS)
        .order_by("pk")
    )
    today = timezone.localdate()
    for project in rows:
        project.days_waiting = (today - timezone.localdate(project.submitted_at)).days
    return list(rows)


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_the_rows_are_the_markup_the_template_wrote(projects, language):
    with translation.override(language):
        written = inbox_rows(projects)
        expected = Template(TEMPLATE_ROWS).render(Context({"projects": projects}))
    assert written == expected
    # The cases above were all there: an escaped title, a missing trade, a ceiling exceeded.
    assert "Couture &lt;script&gt; &amp; &quot;&#x27;fils&#x27;&quot;" in written
    assert '<td data-label="' in written and ">—</td>" in written
    assert written.count("over-ceiling") == 1
    assert ">1200</span>" in written
