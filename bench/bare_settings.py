"""bench/storm.py's web settings: Firebell's own plus the baseline view (bench/bare_urls.py)."""

from firebell.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
