"""The lending engine (microloan.lending) is pure: it imports without Django or its settings."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

CHECK = (
    "import sys\n"
    "import microloan.lending\n"
    "from microloan.lending import allocation, apr, errors, money, schedule\n"
    "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
    "assert not loaded, loaded\n"
    "assert 'celery' not in sys.modules\n"
)


def test_the_lending_engine_imports_without_django():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_the_brief_s_one_liner_passes():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    one_liner = (
        "import microloan.lending, sys; assert not any(m == 'django' or m.startswith('django.') for m in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", one_liner], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
