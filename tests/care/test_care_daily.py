"""``manage.py care_daily``: the job by hand, once per date."""

import pytest

from care.models import FollowUpVisit

pytestmark = pytest.mark.django_db


def test_the_care_daily_command_runs_the_job_once_per_date(loan, capsys):
    from django.core.management import call_command

    call_command("care_daily", "--date", "2026-11-21")
    first = capsys.readouterr().out
    call_command("care_daily", "--date", "2026-11-21")
    again = capsys.readouterr().out

    assert "visits_created: 1" in first and FollowUpVisit.objects.filter(loan=loan).count() == 1
    assert "visits_created: 0" in again and "reviews_created: 0" in again
