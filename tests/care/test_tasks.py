"""The Celery task runs the job under its stable name."""

import pytest

from .conftest import JOB_DATE

pytestmark = pytest.mark.django_db


def test_the_celery_task_runs_the_job_for_the_business_date(book):
    from care.tasks import care_periodic_reviews
    from servicing.tasks import reminders_for_date  # noqa: F401 - the module that registers the task

    assert care_periodic_reviews.name == "servicing.care_periodic_reviews"
    result = care_periodic_reviews.apply(kwargs={"business_date": JOB_DATE.isoformat()}).get()
    assert result["reviews_created"] == 3
    from microloan.celery import app

    assert "servicing.care_periodic_reviews" in app.tasks
    assert any(e["task"] == "servicing.care_periodic_reviews" for e in app.conf.beat_schedule.values())
