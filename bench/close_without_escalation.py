"""``close_day`` with the escalation hook switched off: times the close's own work, apart from
what the collection-case ladder (collection.services.escalation) does in the hook.

    python bench/close_without_escalation.py --date 2026-12-02 [close_day options]
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microloan.settings.local")

import django  # noqa: E402

django.setup()

from django.core.management import execute_from_command_line  # noqa: E402

import collection.escalation  # noqa: E402

collection.escalation.escalation_step_hook = lambda business_date, loan_ids, **chunk_range: None
execute_from_command_line(["manage.py", "close_day", *sys.argv[1:]])
