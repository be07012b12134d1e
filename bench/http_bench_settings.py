"""bench/http_bench.py's settings: the production settings, unchanged, plus the baseline URL.

Everything (middleware, sessions, database, cache, DEBUG off) comes from csp_portal.settings and
the environment http_bench.py sets; only the URLconf differs, to add /bench/baseline.
"""

from csp_portal.settings import *  # noqa: F403

ROOT_URLCONF = "http_bench_urls"
