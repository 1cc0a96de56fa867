"""The borrowers' app is served at /app/ as files (no inline script, the CSP), installable (a
manifest, a service worker in the /app/ scope, an offline page), and its first load stays
under 200 KB of JavaScript and CSS, gzip-compressed (issue #13 point 3)."""

import gzip
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

STATIC = Path(__file__).resolve().parents[2] / "static" / "app"
BUDGET = 200 * 1024


def test_the_page_is_served_at_app_with_its_scripts_as_files(client):
    r = client.get("/app/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "script-src 'self'" in r["Content-Security-Policy"]
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S)
    assert scripts and all(body.strip() == "" for body in scripts)  # every script has a src
    assert re.search(r'<script type="module"[^>]* src="/static/app/assets/index-[\w-]+\.js"', html)
    assert '<link rel="manifest" href="/app/manifest.webmanifest"' in html
    assert "no-cache" in r["Cache-Control"]


def test_the_worker_manifest_and_offline_page_live_in_the_app_scope(client):
    sw = client.get("/app/sw.js")
    assert sw.status_code == 200 and sw["Content-Type"].startswith("text/javascript")
    manifest = client.get("/app/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.json()["start_url"] == "/app/"
    offline = client.get("/app/offline.html")
    assert offline.status_code == 200 and "offline" in offline.content.decode().lower()
    assert client.get("/app/nothing.js").status_code == 404


def test_the_first_load_is_at_most_200_kb_compressed():
    html = (STATIC / "index.html").read_text()
    files = re.findall(r'(?:src|href)="/static/app/(assets/[^"]+\.(?:js|css))"', html)
    assert files
    size = sum(len(gzip.compress((STATIC / f).read_bytes(), compresslevel=9)) for f in files)
    assert size <= BUDGET, f"{size} bytes of JS and CSS, gzip-compressed"
