"""The production surface (#11 point 6): a Content-Security-Policy without inline scripts, a
Permissions-Policy, no server banner, no browsable API and the schema behind a login in the
production settings, the docs page without inline script."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .factories import UserFactory
from .test_project import REAL_SECRET, ROOT, run

TEMPLATES = ROOT / "templates"


def test_every_response_carries_the_csp_and_the_permissions_policy(client):
    r = client.get("/accounts/login/")
    csp = r["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "geolocation=()" in r["Permissions-Policy"] and "microphone=()" in r["Permissions-Policy"]


def test_no_template_holds_an_inline_script_or_handler():
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=", re.IGNORECASE)
    found = [
        f"{p.relative_to(ROOT)}: {m.group(0)}"
        for p in sorted(TEMPLATES.rglob("*.html"))
        for m in inline.finditer(p.read_text(encoding="utf-8"))
        if 'type="application/json"' not in m.group(0)
    ]
    assert found == []


@pytest.mark.django_db
def test_the_pages_load_their_script_from_the_app(client, branch):
    client.force_login(UserFactory(role="officer", branch=branch))
    html = client.get("/loans/").content.decode()
    assert re.search(r'<script src="/static/js/app\.js" defer></script>', html)
    assert "data-autosubmit" in html and "onchange" not in html


def test_the_docs_page_has_no_inline_script(client):
    html = client.get("/api/docs/").content.decode()
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts and all("src=" in s for s in scripts)


PROD = {
    "DJANGO_SETTINGS_MODULE": "microloan.settings.production",
    "SECRET_KEY": REAL_SECRET,
    "ALLOWED_HOSTS": "loans.example.cn",
}
PROBE = (
    "import django; django.setup()\n"
    "from django.test import Client\n"
    "c = Client(HTTP_HOST='loans.example.cn')\n"
    "print(c.get('/api/schema/', secure=True).status_code, c.get('/api/docs/', secure=True).status_code)\n"
    "from django.conf import settings\n"
    "print(settings.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES'])\n"
)


def test_production_puts_the_schema_behind_a_login_and_turns_the_browsable_api_off():
    r = run([sys.executable, "-c", PROBE], env=PROD)
    assert r.returncode == 0, r.stderr[-2000:]
    codes, renderers = r.stdout.splitlines()[-2:]
    assert codes.split() == ["401", "401"] or codes.split() == ["403", "403"]
    assert renderers == "['rest_framework.renderers.JSONRenderer']"


def test_a_setting_opens_the_schema_in_production():
    r = run([sys.executable, "-c", PROBE], env={**PROD, "API_DOCS_PUBLIC": "1"})
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.splitlines()[-2].split() == ["200", "200"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_sends_no_server_banner():
    port = _free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [
            str(gunicorn),
            "-c",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "microloan.wsgi:application",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            **PROD,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "GUNICORN_ACCESS_LOG": "",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(100):
            try:
                response = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except urllib.error.HTTPError as exc:
                pytest.fail(f"gunicorn answered {exc.code}")
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start: " + proc.stderr.read().decode()[-2000:])
        assert response.status == 200
        assert response.headers.get("Server") is None
        assert response.headers.get("Content-Security-Policy")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
