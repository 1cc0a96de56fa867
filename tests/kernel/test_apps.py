"""The kernel's AppConfig loads the Celery app when Django starts (``microloan/__init__.py``
no longer does, so that the lending engine imports without Django)."""

import sys

from celery import current_app
from django.conf import settings


def test_django_start_loads_the_celery_app_with_the_settings_broker():
    assert "microloan.celery" in sys.modules
    from microloan import celery_app

    # Every shared task's .delay() goes through the current app: ours, configured from settings.
    assert current_app._get_current_object() is celery_app
    assert celery_app.main == "microloan"
    assert celery_app.conf.broker_url == settings.CELERY_BROKER_URL
