"""The rendered body of a strategy dashboard, cached until anything it shows changes.

Rendering a national-size strategy (60 actions, 240 indicator series with charts, 1,900 values
behind them) takes seconds of template work; the data behind it changes a few times a month.
The cache key holds a fingerprint read from the database on every request (one query over the
strategy's own rows, as subqueries of the query that fetches the strategy: count, latest
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
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db.models import DateTimeField, F, Func, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from partners.models import Area
from priorities.models import Action, Indicator, IndicatorValue, Priority, ProgressUpdate, Strategy

from .periods import ReportingPeriod

TIMEOUT = 60 * 60 * 24  # the day is in the key: nothing is useful for longer
SOURCES = [
    "scrutiny/cache.py",
    "scrutiny/queries.py",
    "scrutiny/report.py",
    "scrutiny/charts.py",
    "scrutiny/formatting.py",
    "scrutiny/periods.py",
    "templates/scrutiny/_dashboard_body.html",
    "templates/scrutiny/_priority_dashboard.html",
    "templates/scrutiny/_table.html",
    "templates/includes/rag_tag.html",
]


def _code_version() -> str:
    """A hash of what builds the body, so new code never reuses old markup."""
    digest = hashlib.sha1(usedforsecurity=False)
    for name in SOURCES:
        path = Path(settings.BASE_DIR) / name
        digest.update(path.read_bytes() if path.exists() else name.encode())
    return digest.hexdigest()[:12]


CODE_VERSION = _code_version()


def _aggregate(qs: QuerySet, function: str, field: str, output) -> Subquery:
    """`function(field)` over a correlated queryset, as a scalar subquery."""
    value = Func(F(field), function=function, output_field=output)
    return Subquery(
        qs.order_by().annotate(stamp_value=value).values("stamp_value")[:1], output_field=output
    )


def _stamps(qs: QuerySet, prefix: str, with_version: bool = True) -> dict:
    """Count, latest change, highest id and sum of versions: any write changes one of them."""
    stamps = {
        f"{prefix}_n": _aggregate(qs, "COUNT", "pk", IntegerField()),
        f"{prefix}_at": _aggregate(qs, "MAX", "updated_at", DateTimeField()),
        f"{prefix}_id": Coalesce(_aggregate(qs, "MAX", "pk", IntegerField()), 0),
    }
    if with_version:
        stamps[f"{prefix}_v"] = Coalesce(_aggregate(qs, "SUM", "version", IntegerField()), 0)
    return stamps


def with_stamps(strategies: QuerySet) -> QuerySet:
    """Strategies annotated with their rows' stamps: the fingerprint costs no extra query."""
    here = OuterRef("pk")
    return strategies.annotate(
        **_stamps(Priority.objects.filter(strategy=here), "stamp_p"),
        **_stamps(Action.objects.filter(priority__strategy=here), "stamp_a"),
        **_stamps(ProgressUpdate.objects.filter(action__priority__strategy=here), "stamp_u", False),
        **_stamps(Indicator.objects.filter(priority__strategy=here), "stamp_i"),
        **_stamps(IndicatorValue.objects.filter(indicator__priority__strategy=here), "stamp_v"),
    )


def data_version(strategy: Strategy, areas: list[Area]) -> str:
    """Everything the body shows, reduced to a short hash (strategy from with_stamps)."""
    stamps = sorted((k, v) for k, v in vars(strategy).items() if k.startswith("stamp_"))
    if not stamps:
        raise ValueError("Fetch the strategy through scrutiny.cache.with_stamps()")
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
) -> str:
    """The cached body for this strategy, period, area, day and audience, or `render()`."""
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
        return zlib.decompress(found).decode()
    html = render()
    cache.set(key, zlib.compress(html.encode(), 6), TIMEOUT)
    return html
