"""The project's own promises: compose file valid, production settings safe, Celery on Redis."""

import ast
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.celery_support import worker_command

ROOT = Path(__file__).resolve().parents[2]
REAL_SECRET = "k" * 20 + "-production-secret-for-the-check-" + "z" * 20


def run(cmd, env=None, **kw):
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(cmd, cwd=ROOT, env={**base, **(env or {})}, capture_output=True, text=True, timeout=120, **kw)


def test_docker_compose_file_is_valid():
    assert shutil.which("docker-compose"), "docker-compose must be installed (make test installs it)"
    ok = run(["docker-compose", "-f", "docker-compose.yml", "config", "-q"], env={"SECRET_KEY": REAL_SECRET})
    assert ok.returncode == 0, ok.stderr
    services = run(
        ["docker-compose", "-f", "docker-compose.yml", "config", "--services"], env={"SECRET_KEY": REAL_SECRET}
    ).stdout.split()
    assert set(services) == {"web", "worker", "worker-b", "beat", "db", "replica", "redis"}


def test_docker_compose_has_no_default_secret_key():
    # Valid without a .env (so `config` can check it), but no secret is baked in: the web
    # service gets an empty SECRET_KEY and the production settings refuse to start with it.
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    r = subprocess.run(
        ["docker-compose", "-f", "docker-compose.yml", "config"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert "SECRET_KEY: ''" in r.stdout or 'SECRET_KEY: ""' in r.stdout


def test_production_settings_pass_check_deploy():
    r = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={
            "DJANGO_SETTINGS_MODULE": "microloan.settings.production",
            "SECRET_KEY": REAL_SECRET,
            "ALLOWED_HOSTS": "loans.example.cn",
        },
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_production_throttles_count_across_workers_in_redis():
    """Two gunicorn workers are two processes: the quote throttle (60 a minute per address)
    must count both in the shared Redis cache, not once per process."""
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    code = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "body = json.dumps({'principal': '5000.00', 'annual_rate': '0.1800', 'term': 6, 'frequency': 'monthly',"
        " 'method': 'annuity', 'disbursement_date': '2026-01-15', 'fee': '0.00'})\n"
        "c = Client(HTTP_HOST='loans.example.cn', REMOTE_ADDR=ADDRESS)\n"
        "codes = [c.post('/api/v1/quotes/', body, content_type='application/json', secure=True).status_code\n"
        "         for _ in range(40)]\n"
        "print(codes.count(200), codes.count(429))\n"
    ).replace("ADDRESS", repr(address))
    env = {
        "DJANGO_SETTINGS_MODULE": "microloan.settings.production",
        "SECRET_KEY": REAL_SECRET,
        "ALLOWED_HOSTS": "loans.example.cn",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
    }
    first = run([sys.executable, "-c", code], env=env)
    second = run([sys.executable, "-c", code], env=env)
    assert first.returncode == 0 and second.returncode == 0, first.stderr[-2000:] + second.stderr[-2000:]
    assert first.stdout.split() == ["40", "0"]
    assert second.stdout.split() == ["20", "20"]  # the second process sees the first one's 40


@pytest.mark.parametrize("secret", ["", "short", "local-dev-only-not-secret-" + "x" * 40])
def test_production_settings_refuse_a_missing_or_dev_secret(secret):
    r = run(
        [sys.executable, "manage.py", "check"],
        env={"DJANGO_SETTINGS_MODULE": "microloan.settings.production", "SECRET_KEY": secret},
    )
    assert r.returncode != 0 and "SECRET_KEY" in r.stderr


def test_local_settings_default_to_sqlite_and_a_brokerless_celery():
    code = (
        "import django;django.setup();from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["DJANGO_SETTINGS_MODULE"] = "microloan.settings.local"
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert r.stdout.split() == ["django.db.backends.sqlite3", "filesystem://"], r.stderr


def test_the_demo_runs_on_sqlite_through_closes_and_the_morning_jobs(tmp_path):
    """`make run`'s database: the set-based SQL (close, ledger roll-up, customer-service job,
    reports) must work on SQLite too, not only on PostgreSQL."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(
        DJANGO_SETTINGS_MODULE="microloan.settings.local",
        DATABASE_URL=f"sqlite:///{tmp_path}/demo.sqlite3",
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    manage = [sys.executable, "manage.py"]

    def ok(*args):
        r = subprocess.run([*manage, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr[-3000:]
        return r.stdout

    ok("migrate", "--noinput", "-v0")
    ok("seed_demo", "--password", "demo-test-pw")
    script = (
        "from datetime import timedelta\n"
        "from django.test import Client\n"
        "from collection.close import close_day\n"
        "from microloan.business_date import business_date, business_date_set\n"
        "from microloan.ledger import JournalLine, LedgerRollup, trial_balance\n"
        "from microloan.models import User\n"
        "from care.services import care_daily\n"
        "day = business_date()\n"
        "for _ in range(3):\n"
        "    close_day(business_date=day); day += timedelta(days=1); business_date_set(value=day)\n"
        "    care_daily(business_date=day)\n"
        "assert trial_balance()['balanced']\n"
        "assert LedgerRollup.objects.get().last_line_id == JournalLine.objects.order_by('-id').first().pk\n"
        "c = Client(); c.force_login(User.objects.get(username='manager'))\n"
        "for url in ['/reports/par/', '/reports/classification/', '/reports/flows/', '/reports/officers/',\n"
        "            '/reports/turnaround/', '/care/', '/ledger/trial-balance/']:\n"
        "    r = c.get(url, HTTP_HOST='127.0.0.1')\n"
        "    assert r.status_code == 200, (url, r.status_code)\n"
        "print('demo ok')\n"
    )
    assert "demo ok" in ok("shell", "-v0", "-c", script)


def test_every_beat_entry_names_a_task_the_worker_registers():
    # A misspelt or never-imported task would only show as "unregistered task" in a worker log.
    from microloan.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"microloan.ledger_rollup", "servicing.care_periodic_reviews", "collection.close_business_day"} <= scheduled
    assert sorted(scheduled - set(app.tasks)) == []


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (function-level imports too), relative ones
    resolved against the file's package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = path.relative_to(ROOT).parent.parts
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package[: len(package) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "import_string", "include")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


def test_nothing_imports_reporting_but_the_url_configuration():
    """Reports read every app, so they are the last app: anything importing them would tie
    an app to every other one. Only the URL configuration (and reporting's own tests) may."""
    allowed = {Path("microloan/urls.py")}
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in (".venv", "reporting", "node_modules") or rel.parts[:2] == ("tests", "reporting"):
            continue
        if rel in allowed:
            continue
        if any(m == "reporting" or m.startswith("reporting.") for m in _imported_modules(path)):
            offenders.append(str(rel))
    assert offenders == []
    # the scan sees an import when there is one
    assert "reporting.urls" in _imported_modules(ROOT / "microloan" / "urls.py")
    assert "reporting.selectors" in _imported_modules(ROOT / "reporting" / "views.py")


def test_no_collections_package_shadows_the_standard_library():
    assert not (ROOT / "collections").exists()
    import collections

    assert Path(collections.__file__).parent.parent != ROOT


def test_celery_worker_consumes_from_real_redis():
    # given a real worker on a private queue of the test Redis
    from microloan.celery import app
    from microloan.tasks import heartbeat

    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = subprocess.Popen(
        worker_command(queue, "--pool=solo", "--loglevel=WARNING"),
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "microloan.settings.test"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert app.conf.broker_url.startswith("redis://")
        # when a task is sent through the broker
        result = heartbeat.apply_async(queue=queue)
        # then the worker runs it and the result comes back through Redis
        assert "T" in result.get(timeout=60)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
