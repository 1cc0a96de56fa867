"""The API benchmark's settings (bench/api.sh): production's, plus the bare endpoint's URL
(bench/bare.py) in front of the product's."""

from microloan.settings.production import *  # noqa: F401,F403

ROOT_URLCONF = "bench.bare"
