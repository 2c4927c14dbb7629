"""The rate limits' counters in the database: past windows are pruned by a command that the
scheduled jobs run (the counting itself is tested across two servers in
ceremonies/tests/test_verify_rate_limit.py)."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from reintegration.models import RateCounter

pytestmark = pytest.mark.django_db


def test_prune_rate_counters_deletes_the_windows_older_than_an_hour():
    now = timezone.now().replace(second=0, microsecond=0)
    for minutes in (0, 59, 61, 24 * 60):
        RateCounter.objects.create(
            scope="verify",
            bucket="192.0.2.7",
            window=now - datetime.timedelta(minutes=minutes),
            hits=3,
        )
    out = io.StringIO()
    call_command("prune_rate_counters", stdout=out)
    kept = RateCounter.objects.order_by("-window").values_list("window", flat=True)
    assert list(kept) == [now, now - datetime.timedelta(minutes=59)]
    assert out.getvalue() == "2 rate-limit counter(s) deleted.\n"
