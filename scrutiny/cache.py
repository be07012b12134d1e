"""The rendered body of a strategy dashboard, cached until anything it shows changes.

Rendering a national-size strategy (60 actions, 240 indicator series with charts, 1,900 values
behind them) takes seconds of template work; the data behind it changes a few times a month.
The cache key holds a fingerprint read from the database on every request (one hand-written
query over the strategy's own rows, from the database the page's reads come from: count, latest
change, highest id and sum of versions of its priorities, actions, progress updates, indicators
and values; plus the areas' names), so any save, bulk insert, delete or admin edit gives a new
key: nothing is ever served stale, and no signal has to catch every write path. The code
version (a hash of the modules and templates that build the body) is in the key too, so a
deployment never serves old markup.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from collections.abc import Callable

from django.core.cache import cache
from django.db import connections, router

from csp_portal.code_version import CODE_VERSION
from partners.models import Area
from priorities.models import Action, Indicator, IndicatorValue, Priority, ProgressUpdate, Strategy

from .periods import ReportingPeriod

TIMEOUT = 60 * 60 * 24  # the day is in the key: nothing is useful for longer


# One query: count, latest change, highest id and sum of versions of each kind of row the body
# shows. Written as SQL once rather than built with the ORM per request: compiling the
# equivalent annotated queryset cost more than running it (about 10 ms a page). Standard SQL,
# the same on PostgreSQL and SQLite; test_dashboard_cache checks the table names.
STAMP_SQL = """
SELECT 1, COUNT(p.id), MAX(p.updated_at), MAX(p.id), COALESCE(SUM(p.version), 0)
  FROM priorities_priority p WHERE p.strategy_id = %(s)s
UNION ALL
SELECT 2, COUNT(a.id), MAX(a.updated_at), MAX(a.id), COALESCE(SUM(a.version), 0)
  FROM priorities_action a JOIN priorities_priority p ON a.priority_id = p.id
 WHERE p.strategy_id = %(s)s
UNION ALL
SELECT 3, COUNT(u.id), MAX(u.updated_at), MAX(u.id), 0
  FROM priorities_progressupdate u JOIN priorities_action a ON u.action_id = a.id
  JOIN priorities_priority p ON a.priority_id = p.id
 WHERE p.strategy_id = %(s)s
UNION ALL
SELECT 4, COUNT(i.id), MAX(i.updated_at), MAX(i.id), COALESCE(SUM(i.version), 0)
  FROM priorities_indicator i JOIN priorities_priority p ON i.priority_id = p.id
 WHERE p.strategy_id = %(s)s
UNION ALL
SELECT 5, COUNT(v.id), MAX(v.updated_at), MAX(v.id), COALESCE(SUM(v.version), 0)
  FROM priorities_indicatorvalue v JOIN priorities_indicator i ON v.indicator_id = i.id
  JOIN priorities_priority p ON i.priority_id = p.id
 WHERE p.strategy_id = %(s)s
"""
STAMPED_MODELS = (Priority, Action, ProgressUpdate, Indicator, IndicatorValue)


def data_version(strategy: Strategy, areas: list[Area]) -> str:
    """Everything the body shows, reduced to a short hash: one query over the strategy's rows."""
    # The database the body's rows are read from (a replica, if routed): a fingerprint newer
    # than the data would store an old body under a new key.
    db = connections[router.db_for_read(Strategy, instance=strategy)]
    with db.cursor() as cursor:
        cursor.execute(STAMP_SQL, {"s": strategy.pk})
        stamps = sorted(tuple(str(x) for x in row) for row in cursor.fetchall())
    own = (strategy.pk, strategy.updated_at, strategy.version, strategy.slug)
    names = [(a.pk, a.name, a.gss_code) for a in areas]
    return hashlib.sha1(repr((own, stamps, names)).encode(), usedforsecurity=False).hexdigest()


def dashboard_body(
    strategy: Strategy,
    period: ReportingPeriod,
    area: Area | None,
    *,
    areas: list[Area],
    today: dt.date,
    public: bool,
    render: Callable[[], str],
) -> bytes:
    """The cached body (UTF-8) for this strategy, period, area, day and audience, or `render()`."""
    key = ":".join(
        [
            "scrutiny-dashboard",
            CODE_VERSION,
            str(strategy.pk),
            period.key,
            area.gss_code if area else "all",
            "public" if public else "members",
            today.isoformat(),
            data_version(strategy, areas),
        ]
    )
    found = cache.get(key)
    if found is not None:
        return zlib.decompress(found)
    html = render().encode()
    cache.set(key, zlib.compress(html, 6), TIMEOUT)
    return html
