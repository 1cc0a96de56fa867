"""Delivery by channel: SMS through the configured backend, e-mail through Django's mail backend."""

import json

import pytest
from django.core import mail

from microloan.notifications.channels import ConsoleSmsBackend, FileSmsBackend, sms_backend
from microloan.notifications.services import Outcome, notification_deliver, notification_enqueue

from .helpers import FILE_BACKEND, sms


@pytest.mark.django_db
def test_sms_goes_through_the_configured_backend_once(settings, tmp_path):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = FILE_BACKEND, str(tmp_path / "sms.log")
    n = notification_enqueue(**sms(body="您的还款已收到。"))
    assert notification_deliver(notification_id=n.pk) == Outcome.SENT
    assert notification_deliver(notification_id=n.pk) == Outcome.ALREADY_DONE
    lines = (tmp_path / "sms.log").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["to"] == "13900000001"
    assert json.loads(lines[0])["text"] == "您的还款已收到。"
    n.refresh_from_db()
    assert (n.status, n.attempts, n.sent_at is not None) == ("sent", 1, True)


def test_the_file_backend_falls_back_to_the_environment(monkeypatch, tmp_path, settings):
    monkeypatch.setenv("SMS_FILE_PATH", str(tmp_path / "env.log"))
    assert FileSmsBackend().path == tmp_path / "env.log"


@pytest.mark.django_db
def test_email_goes_through_djangos_mail_backend():
    n = notification_enqueue(
        channel="email",
        to_address="b@example.cn",
        language="en",
        subject="Receipt",
        body="Thank you.",
        kind="repayment_received",
    )
    assert notification_deliver(notification_id=n.pk) == Outcome.SENT
    assert [(m.subject, m.to, m.body) for m in mail.outbox] == [("Receipt", ["b@example.cn"], "Thank you.")]


def test_the_sms_backend_is_the_console_by_default_and_the_package_path_still_names_one(settings, monkeypatch):
    monkeypatch.delenv("SMS_BACKEND", raising=False)
    settings.SMS_BACKEND = None
    assert type(sms_backend()) is ConsoleSmsBackend
    # the path a deployment may have set before the module became a package
    settings.SMS_BACKEND = "microloan.notifications.FileSmsBackend"
    assert type(sms_backend()) is FileSmsBackend


def test_the_console_backend_keeps_personal_data_off_stdout_unless_allowed(settings, capsys):
    settings.SMS_CONSOLE_CLEAR = False  # the production settings' default
    ConsoleSmsBackend().send("13812345678", "您的验证码是 1234")
    out = capsys.readouterr().out
    assert out == "[SMS to 138****5678] (11 characters)\n"
    settings.SMS_CONSOLE_CLEAR = True  # local and test settings: the demo reads its messages
    ConsoleSmsBackend().send("13812345678", "您的验证码是 1234")
    assert capsys.readouterr().out == "[SMS to 13812345678] 您的验证码是 1234\n"


def test_the_production_settings_mask_the_console_sms():
    import os
    import subprocess
    import sys

    code = "import django; django.setup(); from django.conf import settings; print(settings.SMS_CONSOLE_CLEAR)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "microloan.settings.production", "SECRET_KEY": "k" * 60}
    env.pop("SMS_CONSOLE_CLEAR", None)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-1] == "False"
