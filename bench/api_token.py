"""Prints an access token for a login of the API benchmark's database (bench/api.sh), issued
the way the token endpoint issues one (the password digest claim included), without the
login itself: the background book's officer (``bench_portfolio``) has no usable password.

    python bench/api_token.py bench_officer
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microloan.settings.production")

import django  # noqa: E402

django.setup()

from microloan.auth_api import TokenObtainPairSerializer  # noqa: E402
from microloan.models import User  # noqa: E402

if __name__ == "__main__":
    print(TokenObtainPairSerializer.get_token(User.objects.get(username=sys.argv[1])).access_token)
