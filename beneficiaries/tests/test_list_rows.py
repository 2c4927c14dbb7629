"""The file list's rows are written in Python (``beneficiaries/templatetags/file_list.py``) for
speed: they must be the markup the template wrote, to the character, in both languages,
whatever the names hold."""

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from beneficiaries.models import Beneficiary
from beneficiaries.templatetags.file_list import file_rows
from beneficiaries.tests.factories import BeneficiaryFactory

pytestmark = pytest.mark.django_db

# The rows as the list's template wrote them before.
TEMPLATE_ROWS = (
    "{% load i18n formatting %}"
    '{% translate "File number" as l_number %}{% translate "Name" as l_name %}'
    '{% translate "Sex" as l_sex %}{% translate "Status" as l_status %}'
    '{% translate "Programme track" as l_track %}{% translate "Centre" as l_centre %}'
    '{% translate "Opened" as l_opened %}'
    "{% for b in files %}\n  <tr>\n"
    '    <td data-label="{{ l_number }}"><a class="ltr" '
    "href=\"{% url 'beneficiary_detail' b.pk %}\">"
    "{{ b.file_number }}</a></td>\n"
    '    <td data-label="{{ l_name }}"><span lang="ar" dir="rtl">{{ b.full_name_ar }}</span><br>'
    '<span class="small text-body-secondary" dir="ltr">{{ b.full_name_latin }}</span></td>\n'
    '    <td data-label="{{ l_sex }}">{{ b.get_sex_display }}</td>\n'
    '    <td data-label="{{ l_status }}">{{ b.get_status_display }}{% if b.archived_at %} '
    '<span class="badge text-bg-secondary">{% translate "archived" %}</span>{% endif %}'
    '{% if b.pk not in consented %} <span class="badge text-bg-warning">'
    '{% translate "no consent" %}</span>{% endif %}</td>\n'
    '    <td data-label="{{ l_track }}">{{ b.track.name }}</td>\n'
    '    <td data-label="{{ l_centre }}"><span class="ltr">{{ b.centre.code }}</span></td>\n'
    '    <td class="text-nowrap" data-label="{{ l_opened }}">{{ b.created_at|shortdate }}</td>\n'
    "  </tr>\n  {% endfor %}"
)


@pytest.fixture
def files(centre, users):
    """A woman and a man, one file archived, with every character HTML escapes in the
    names."""
    by = users["coordinator"]
    made = [
        BeneficiaryFactory(centre=centre, by=by, sex="F", first_name_latin="Saïda <b> & 'x'"),
        BeneficiaryFactory(centre=centre, by=by, sex="M", last_name_ar='"العلوي" & <ب>'),
    ]
    Beneficiary.objects.filter(pk=made[1].pk).update(archived_at=timezone.now())
    return list(Beneficiary.objects.select_related("centre", "track").order_by("pk"))


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_the_rows_are_the_markup_the_template_wrote(files, language):
    consented = {files[0].pk}
    with translation.override(language):
        written = file_rows(files, consented)
        expected = Template(TEMPLATE_ROWS).render(Context({"files": files, "consented": consented}))
    assert written == expected
    # The cases above were all there: escaped names, an archived file, one without consent.
    assert "Saïda &lt;b&gt; &amp; &#x27;x&#x27;" in written
    assert "&quot;العلوي&quot; &amp; &lt;ب&gt;" in written
    assert written.count("text-bg-secondary") == 1
    assert written.count("text-bg-warning") == 1
