"""Generate a national-scale CSP Portal dataset, deterministically from a seed number.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csp_portal_bench \\
        .venv/bin/python bench/make_national_data.py --seed 1 [--scale 0.1] [--migrate]

At --scale 1 (England and Wales): 300 partnerships, each with 4 areas, a council, a police force
(43 shared) and a fire service as statutory members, one officer, and two public strategies
(archived 2020-2023, published 2023-2026). Each strategy has 5 priorities; each priority 12
actions with 12 monthly progress updates each, and 12 indicators (60 a strategy) with quarterly
values for the 4 areas over the strategy's 3 years. Then 10 years of monthly police aggregates
(area x month x crime type) into `bench_police_monthly`: the assessments app keeps street-level
records (CrimeRecord) and quarterly Home Office counts (OffenceCount) but no monthly aggregate,
so the aggregates go into a plain table of their own.

--scale multiplies the number of partnerships; everything per partnership stays the same, so
pages and API calls for one partnership cost what they will nationally.

Two national organisations lead a fixed number of actions so that exports have known sizes:
`bench-youth-justice` leads 1,000 and `bench-probation` leads 10,000 (fewer when the scale holds
fewer actions): `/api/v1/actions/?format=csv&lead_organisation=<id>`.

Small and medium tables go in with bulk_create, large ones with COPY. The same --seed gives
the same rows. Refuses a database that already holds this dataset. Prints rows and seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import secrets
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csp_portal.settings")
os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(40))
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

PARTNERSHIPS = 300
AREAS_PER_PARTNERSHIP = 4
PRIORITIES = 5
ACTIONS_PER_PRIORITY = 12
UPDATES_PER_ACTION = 12
INDICATORS_PER_PRIORITY = 12  # 60 a strategy
QUARTERS = 12  # 3 years
POLICE_MONTHS = 120  # 10 years
POLICE_FIRST_MONTH = dt.date(2016, 1, 1)
FORCES = 43
CRIME_TYPES = [
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
]
THEMES = [
    "Violence against women and girls",
    "Serious violence and knife crime",
    "Anti-social behaviour",
    "Drug and alcohol related harm",
    "Reoffending",
    "Hate crime and community cohesion",
    "Exploitation of young people",
    "Domestic abuse",
    "Neighbourhood crime",
    "Road safety",
]
VERBS = ["Deliver", "Expand", "Review", "Commission", "Pilot", "Coordinate", "Promote", "Train"]
OBJECTS = [
    "multi-agency problem-solving meetings in hotspot wards",
    "school workshops on knife crime and healthy relationships",
    "target hardening for repeat burglary victims",
    "night-time economy patrols with street marshals",
    "referrals to drug and alcohol treatment after arrest",
    "support for high-risk domestic abuse victims through the MARAC",
    "community trigger awareness among residents",
    "diversionary activities for young people in the school holidays",
]
STATUSES = ["not_started", "on_track", "on_track", "on_track", "at_risk", "off_track", "completed"]
COMMENTS = [
    "Delivered as planned this month; attendance was good.",
    "Slipped because of staff absence; recovery plan agreed at the delivery group.",
    "Funding confirmed; procurement under way.",
    "Partners met and agreed next steps.",
    "Awaiting data from the police analyst before the next review.",
]
INDICATOR_NAMES = [
    "Recorded incidents",
    "Repeat victims",
    "Referrals to support services",
    "Residents who feel safe after dark (%)",
    "Offences per 1,000 population",
    "Young people engaged",
]


def month_add(day: dt.date, months: int) -> dt.date:
    m = day.month - 1 + months
    return dt.date(day.year + m // 12, m % 12 + 1, 1)


def copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


def copy_rows(cursor, table: str, columns: list[str], rows: Iterable[tuple], batch=200_000) -> int:
    """COPY rows (tuples of plain values, no tabs or newlines) into table, in batches."""
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    total = 0
    buf = io.StringIO()
    pending = 0
    for row in rows:
        buf.write("\t".join(copy_text(v) for v in row))
        buf.write("\n")
        pending += 1
        if pending >= batch:
            buf.seek(0)
            cursor.copy_expert(sql, buf)
            total += pending
            buf, pending = io.StringIO(), 0
    if pending:
        buf.seek(0)
        cursor.copy_expert(sql, buf)
        total += pending
    return total


class Timer:
    def __init__(self) -> None:
        self.report: list[tuple[str, int, float]] = []

    def run(self, label: str, fn):
        started = time.monotonic()
        count = fn()
        seconds = time.monotonic() - started
        self.report.append((label, count, seconds))
        print(f"  {label:<34} {count:>10,} rows  {seconds:7.1f} s", flush=True)
        return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1, help="Same seed, same data (default 1).")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="Fraction of 300 partnerships (default 1)."
    )
    parser.add_argument(
        "--migrate", action="store_true", help="Run migrate and createcachetable first."
    )
    parser.add_argument(
        "--no-police", action="store_true", help="Skip the 10 years of monthly police aggregates."
    )
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction

    from partners.models import Area, Membership, Organisation, Partnership, Role, User
    from priorities.models import (
        Action,
        Indicator,
        IndicatorValue,
        Priority,
        ProgressUpdate,
        Strategy,
    )

    if connection.vendor != "postgresql":
        print("make_national_data needs PostgreSQL (COPY): set DATABASE_URL=postgres://...")
        return 2
    if args.migrate:
        call_command("migrate", "--noinput", verbosity=0)
        call_command("createcachetable", verbosity=0)
    if Partnership.objects.filter(key__startswith="nat-").exists():
        print("This database already holds a national dataset (partnerships nat-*): use a new one.")
        return 2

    n_partnerships = max(1, round(PARTNERSHIPS * args.scale))
    rnd = random.Random(args.seed)  # noqa: S311 - repeatable bench data, not secrets
    # One fixed timestamp for created/updated columns, so a seed gives byte-identical rows.
    stamp = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)
    timer = Timer()
    started = time.monotonic()
    print(
        f"National dataset: seed {args.seed}, scale {args.scale} -> {n_partnerships} partnerships"
        f" into {connection.settings_dict['NAME']}"
    )

    with transaction.atomic():
        cur = connection.cursor()
        state: dict = {}

        def organisations() -> int:
            orgs = [
                Organisation(
                    key=f"bench-police-{f:02d}", name=f"Bench Police Force {f:02d}", kind="police"
                )
                for f in range(FORCES)
            ]
            orgs += [
                Organisation(
                    key=f"bench-fire-{f:02d}", name=f"Bench Fire and Rescue {f:02d}", kind="fire"
                )
                for f in range(FORCES)
            ]
            orgs += [
                Organisation(
                    key=f"nat-council-{p:03d}",
                    name=f"Bench District Council {p:03d}",
                    kind="council",
                )
                for p in range(n_partnerships)
            ]
            orgs += [
                Organisation(key="bench-youth-justice", name="Bench Youth Justice", kind="other"),
                Organisation(
                    key="bench-probation", name="Bench Probation Service", kind="probation"
                ),
            ]
            state["orgs"] = {o.key: o for o in Organisation.objects.bulk_create(orgs)}
            return len(orgs)

        def partnerships() -> int:
            ps = [
                Partnership(
                    key=f"nat-{p:03d}",
                    name=f"Bench Community Safety Partnership {p:03d}",
                    short_name=f"Bench CSP {p:03d}",
                )
                for p in range(n_partnerships)
            ]
            state["partnerships"] = Partnership.objects.bulk_create(ps)
            areas = [
                Area(gss_code=f"E07{p:03d}{a:03d}", name=f"Bench District {p:03d}-{a}")
                for p in range(n_partnerships)
                for a in range(AREAS_PER_PARTNERSHIP)
            ]
            state["areas"] = Area.objects.bulk_create(areas)
            through = Partnership.areas.through
            links = [
                through(partnership_id=part.pk, area_id=state["areas"][i * 4 + a].pk)
                for i, part in enumerate(state["partnerships"])
                for a in range(AREAS_PER_PARTNERSHIP)
            ]
            through.objects.bulk_create(links)
            orgs = state["orgs"]
            members = []
            for i, part in enumerate(state["partnerships"]):
                for order, key in enumerate(
                    (
                        f"nat-council-{i:03d}",
                        f"bench-police-{i % FORCES:02d}",
                        f"bench-fire-{i % FORCES:02d}",
                    )
                ):
                    members.append(
                        Membership(
                            partnership=part, organisation=orgs[key], role="statutory", order=order
                        )
                    )
            Membership.objects.bulk_create(members)
            return len(ps) + len(areas) + len(links) + len(members)

        def officers() -> int:
            # One hash for every bench officer: hashing 300 passwords would take minutes.
            password = make_password("bench-officer-password")
            users = [
                User(
                    username=f"nat-officer-{i:03d}",
                    password=password,
                    email=f"officer{i:03d}@bench.invalid",
                    organisation=state["orgs"][f"nat-council-{i:03d}"],
                )
                for i in range(n_partnerships)
            ]
            state["users"] = User.objects.bulk_create(users)
            Role.objects.bulk_create(
                Role(user=u, partnership=p, role=Role.Name.OFFICER)
                for u, p in zip(state["users"], state["partnerships"], strict=True)
            )
            return 2 * len(users)

        def strategies() -> int:
            rows = []
            for i, part in enumerate(state["partnerships"]):
                for start, status in ((2020, "archived"), (2023, "published")):
                    rows.append(
                        Strategy(
                            partnership=part,
                            slug=f"nat-{i:03d}-{start}-{start + 3}",
                            title=f"Bench CSP {i:03d} Community Safety Strategy "
                            f"{start}-{start + 3}",
                            start_year=start,
                            end_year=start + 3,
                            status=status,
                        )
                    )
            state["strategies"] = Strategy.objects.bulk_create(rows)
            prios = []
            for s in state["strategies"]:
                themes = rnd.sample(THEMES, PRIORITIES)
                for n, theme in enumerate(themes, start=1):
                    prios.append(
                        Priority(
                            strategy=s,
                            number=n,
                            title=theme,
                            listed_title=theme,
                            why=f"{theme} causes serious harm in our area.\n\nPartners agreed it "
                            "as a priority after the strategic assessment.",
                        )
                    )
            state["priorities"] = Priority.objects.bulk_create(prios)
            return len(rows) + len(prios)

        def actions() -> int:
            orgs = state["orgs"]
            part_index = {p.pk: i for i, p in enumerate(state["partnerships"])}
            strategy_by_pk = {s.pk: s for s in state["strategies"]}
            rows, latest = [], []
            g = 0
            for prio in state["priorities"]:
                strategy = strategy_by_pk[prio.strategy_id]
                i = part_index[strategy.partnership_id]
                own = [
                    f"nat-council-{i:03d}",
                    f"bench-police-{i % FORCES:02d}",
                    f"bench-fire-{i % FORCES:02d}",
                ]
                for order in range(1, ACTIONS_PER_PRIORITY + 1):
                    if g < 1_000:
                        lead = orgs["bench-youth-justice"]
                    elif g < 11_000:
                        lead = orgs["bench-probation"]
                    else:
                        lead = orgs[rnd.choice(own)]
                    g += 1
                    statuses = [rnd.choice(STATUSES) for _ in range(UPDATES_PER_ACTION)]
                    latest.append(statuses)
                    start = dt.date(strategy.start_year, 4, 1)
                    rows.append(
                        Action(
                            priority=prio,
                            order=order,
                            text=f"{rnd.choice(VERBS)} {rnd.choice(OBJECTS)} "
                            f"({prio.title.lower()})",
                            description="Generated for the national benchmark.",
                            lead_organisation=lead,
                            owner=state["users"][i],
                            start_date=start,
                            due_date=dt.date(strategy.end_year, 3, 31)
                            - dt.timedelta(days=rnd.randrange(0, 900)),
                            status=statuses[-1],
                            from_document=True,
                        )
                    )
            state["actions"] = Action.objects.bulk_create(rows, batch_size=5000)
            state["action_statuses"] = latest
            return len(rows)

        def progress_updates() -> int:
            strategy_year = {s.pk: s.start_year for s in state["strategies"]}
            prio_strategy = {p.pk: p.strategy_id for p in state["priorities"]}
            owner_of = {a.pk: a.owner_id for a in state["actions"]}
            ts = stamp.isoformat()

            def rows() -> Iterator[tuple]:
                for action, statuses in zip(
                    state["actions"], state["action_statuses"], strict=True
                ):
                    first = dt.date(strategy_year[prio_strategy[action.priority_id]] + 1, 4, 1)
                    for m, status in enumerate(statuses):
                        yield (
                            action.pk,
                            month_add(first, m).replace(day=28),
                            status,
                            COMMENTS[(action.pk + m) % len(COMMENTS)],
                            owner_of[action.pk],
                            ts,
                            ts,
                        )

            return copy_rows(
                cur,
                ProgressUpdate._meta.db_table,
                [
                    "action_id",
                    "update_date",
                    "status",
                    "commentary",
                    "created_by_id",
                    "created_at",
                    "updated_at",
                ],
                rows(),
            )

        def indicators() -> int:
            strategy_by_pk = {s.pk: s for s in state["strategies"]}
            part_index = {p.pk: i for i, p in enumerate(state["partnerships"])}
            rows = []
            for prio in state["priorities"]:
                i = part_index[strategy_by_pk[prio.strategy_id].partnership_id]
                for order in range(1, INDICATORS_PER_PRIORITY + 1):
                    name = INDICATOR_NAMES[order % len(INDICATOR_NAMES)]
                    unit = (
                        "percentage"
                        if "%" in name
                        else ("rate" if "per 1,000" in name else "count")
                    )
                    rows.append(
                        Indicator(
                            priority=prio,
                            order=order,
                            text=f"{name}: {prio.title.lower()} ({order})",
                            unit=unit,
                            desired_direction=rnd.choice(["up", "down"]),
                            frequency="quarterly",
                            per_area=True,
                            source_organisation=state["orgs"][f"bench-police-{i % FORCES:02d}"],
                            target=rnd.randrange(20, 400),
                            tolerance_percent=10,
                            from_document=True,
                        )
                    )
            state["indicators"] = Indicator.objects.bulk_create(rows, batch_size=5000)
            return len(rows)

        def indicator_values() -> int:
            strategy_by_pk = {s.pk: s for s in state["strategies"]}
            prio_by_pk = {p.pk: p for p in state["priorities"]}
            part_index = {p.pk: i for i, p in enumerate(state["partnerships"])}
            areas = state["areas"]
            users = state["users"]
            ts = stamp.isoformat()
            vr = random.Random(args.seed * 7919 + 1)  # noqa: S311

            def rows() -> Iterator[tuple]:
                for ind in state["indicators"]:
                    strategy = strategy_by_pk[prio_by_pk[ind.priority_id].strategy_id]
                    i = part_index[strategy.partnership_id]
                    first = dt.date(strategy.start_year, 4, 1)
                    base = ind.target
                    for q in range(QUARTERS):
                        period = month_add(first, 3 * q)
                        for a in range(AREAS_PER_PARTNERSHIP):
                            value = f"{base * (0.6 + 0.8 * vr.random()):.2f}"
                            yield (
                                ind.pk,
                                areas[i * 4 + a].pk,
                                period,
                                value,
                                "",
                                users[i].pk,
                                ts,
                                ts,
                                1,
                            )

            return copy_rows(
                cur,
                IndicatorValue._meta.db_table,
                [
                    "indicator_id",
                    "area_id",
                    "period_start",
                    "value",
                    "note",
                    "submitted_by_id",
                    "created_at",
                    "updated_at",
                    "version",
                ],
                rows(),
            )

        def police() -> int:
            cur.execute(
                """CREATE TABLE IF NOT EXISTS bench_police_monthly (
                    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                    area_id bigint NOT NULL REFERENCES partners_area(id),
                    month date NOT NULL,
                    crime_type varchar(60) NOT NULL,
                    count integer NOT NULL CHECK (count >= 0)
                )"""
            )
            pr = random.Random(args.seed * 104729 + 3)  # noqa: S311
            months = [month_add(POLICE_FIRST_MONTH, m) for m in range(POLICE_MONTHS)]

            def rows() -> Iterator[tuple]:
                for area in state["areas"]:
                    scale = 0.5 + pr.random()
                    for month in months:
                        for t, crime_type in enumerate(CRIME_TYPES):
                            yield (
                                area.pk,
                                month,
                                crime_type,
                                int(scale * (5 + 3 * t) * (0.7 + 0.6 * pr.random())),
                            )

            n = copy_rows(
                cur, "bench_police_monthly", ["area_id", "month", "crime_type", "count"], rows()
            )
            cur.execute(
                "CREATE INDEX IF NOT EXISTS bench_police_area_month "
                "ON bench_police_monthly (area_id, month)"
            )
            return n

        timer.run("organisations", organisations)
        timer.run("partnerships, areas, memberships", partnerships)
        timer.run("officers and roles", officers)
        timer.run("strategies and priorities", strategies)
        timer.run("actions", actions)
        timer.run("progress updates (COPY)", progress_updates)
        timer.run("indicators", indicators)
        timer.run("indicator values (COPY)", indicator_values)
        if args.no_police:
            print("  police aggregates skipped (--no-police)")
        else:
            timer.run("monthly police aggregates (COPY)", police)

    analyse_started = time.monotonic()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"  {'ANALYZE':<34} {'':>10}       {time.monotonic() - analyse_started:7.1f} s")
    total_rows = sum(c for _, c, _ in timer.report)
    total = time.monotonic() - started
    print(f"Total: {total_rows:,} rows in {total:.1f} s ({total_rows / total:,.0f} rows/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
