"""Load test: 50 people on gunicorn while a 100,000-row police import runs; writes counted after.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/load_test.py --users 50 --seconds 180

Needs locust (pip install -r requirements-bench.txt) and PostgreSQL. Loopback only, bounded:

1. Creates a throwaway database (csp_portal_load, dropped and re-created; the database named in
   DATABASE_URL is only used to connect), migrates it, runs `load_seed_data` and
   `create_role_accounts`, the cache table and collectstatic, then adds the load's own accounts
   in the seed's Dartford partnership: committee members to read dashboards, officers with a
   read API token (`ApiToken.issue`) to pull the API, officers to save progress updates (and a
   few actions for them to update if the seed has too few).
2. Starts gunicorn on 127.0.0.1 with the production settings as bench/http_bench.py does (its
   Server and settings, with /bench/baseline, a bare Django view) and one `manage.py db_worker`.
3. Measures the baseline with the server idle, then runs locust headless (bench/locustfile.py)
   for --seconds: --users people, 60% reading dashboards, 30% pulling the API, 10% saving
   progress updates. After the users have started, an officer uploads a generated 100,000-row
   police.uk file (bench/import_police.py's generator) through the import page; the worker
   runs it with the project's importer. The upload is repeated whenever the last import has
   finished (each replaces the same force-month), so an import is running for most of the load.
   A one-client probe requests the baseline every half second throughout.
4. After the load: counts the progress updates in the database carrying this run's markers and
   compares them with the saves the clients saw acknowledged (each exactly once, none extra),
   checks the crime records equal the rows of one import, and prints p50/p95 per kind (overall
   and while an import was running), errors, and each p95 as a ratio to the baseline's.

Exits 1 if any pass condition fails: errors, lost or duplicated writes, an import that did not
succeed, or a p95 of 1 s or more.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(ROOT)]
os.environ["DJANGO_SETTINGS_MODULE"] = "http_bench_settings"

from http_bench import PY, Server, database_url, machine, measure, server_env  # noqa: E402
from import_police import generate  # noqa: E402

PASS_P95_MS = 1000
KINDS = ("dashboard", "api", "save")


def percentiles(values: list[float]) -> tuple[float, float]:
    if not values:
        return float("nan"), float("nan")
    if len(values) == 1:
        return values[0], values[0]
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49], q[94]


def create_database(base_url: str, name: str) -> str:
    import psycopg2

    conn = psycopg2.connect(database_url(base_url, "postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return database_url(base_url, name)


def drop_database(base_url: str, name: str) -> None:
    import psycopg2

    conn = psycopg2.connect(database_url(base_url, "postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def prepare(users: int, run: str) -> dict:
    """Seed, role accounts and the load's own accounts and tokens (Django set up in-process)."""
    import datetime as dt

    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.utils import timezone

    from api.models import ApiToken
    from partners.models import Organisation, Partnership, Role, User
    from priorities.models import Action, Priority, ProgressUpdate, Strategy

    quiet = io.StringIO()
    steps = (
        ("migrate", ("migrate",), {"verbosity": 0}),
        ("createcachetable", ("createcachetable",), {}),
        ("collectstatic", ("collectstatic", "--noinput"), {"verbosity": 0}),
        ("load_seed_data", ("load_seed_data",), {}),
        # create_role_accounts prints the generated passwords: kept out of the log.
        ("create_role_accounts", ("create_role_accounts",), {}),
    )
    for label, command, options in steps:
        t = time.monotonic()
        call_command(*command, stdout=quiet, **options)
        print(f"  {label}: {time.monotonic() - t:.0f} s", flush=True)

    partnership = Partnership.objects.get(key="dartford")
    council = Organisation.objects.get(key="dartford-borough-council")
    password = "load-" + secrets.token_urlsafe(16)
    hashed = make_password(password)  # once: the production hasher is slow on purpose
    officer = User.objects.get(username="officer")
    officer.password = hashed
    officer.save(update_fields=["password"])

    n_save = max(1, round(users * 0.1))
    n_api = max(1, round(users * 0.3))
    n_dash = max(1, users - n_save - n_api)
    accounts: dict[str, list[dict]] = {"dashboard": [], "api": [], "save": []}
    expires = timezone.now() + dt.timedelta(days=1)
    plan = (
        ("dashboard", n_dash, Role.Name.COMMITTEE),
        ("api", n_api, Role.Name.OFFICER),
        ("save", n_save, Role.Name.OFFICER),
    )
    for kind, n, role in plan:
        for i in range(n):
            user = User.objects.create(
                username=f"load.{kind}.{i:02d}", password=hashed, organisation=council
            )
            Role.objects.create(user=user, partnership=partnership, role=role)
            account = {"username": user.username}
            if kind == "api":
                _, key = ApiToken.issue(
                    user=user, name="load test", scope="read", expires_at=expires
                )
                account["token"] = key
            else:
                account["password"] = password
            accounts[kind].append(account)

    strategies = list(
        Strategy.objects.filter(partnership=partnership).values_list("slug", flat=True)
    )
    current = Strategy.objects.filter(partnership=partnership).order_by("-start_year").first()
    actions = list(
        Action.objects.filter(priority__strategy=current, retired_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:50]
    )
    priority = Priority.objects.filter(strategy=current).order_by("number").first()
    police = Organisation.objects.get(key="kent-police")
    while len(actions) < 20:  # enough rows that savers rarely queue on one action's lock
        actions.append(
            Action.objects.create(
                priority=priority,
                order=1000 + len(actions),
                text=f"Load test action {len(actions) + 1}",
                lead_organisation=police,
                owner=officer,
            ).pk
        )
    return {
        "run": run,
        "accounts": accounts,
        "strategies": strategies,
        "actions": actions,
        "status": ProgressUpdate.STATUSES[1][0],
        "officer_password": password,
        "partnership": partnership.pk,
    }


def sign_in(server: Server, username: str, password: str) -> requests.Session:
    s = requests.Session()
    s.get(server.url("/sign-in/"), timeout=120)
    r = s.post(
        server.url("/sign-in/"),
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": s.cookies["csrftoken"],
        },
        timeout=120,
        allow_redirects=False,
    )
    if r.status_code != 302:
        raise SystemExit(f"Sign-in as {username} failed: {r.status_code}")
    return s


class Importer(threading.Thread):
    """Uploads the police file through the import page, again each time the last one ends."""

    def __init__(self, server, session, path: Path, partnership: int, stop_at: float) -> None:
        super().__init__(daemon=True)
        self.server, self.session, self.path = server, session, path
        self.partnership, self.stop_at = partnership, stop_at
        self.runs: list[dict] = []
        self.error: str | None = None

    def run(self) -> None:
        from assessments.models import ImportRun

        try:
            while time.time() < self.stop_at:
                form_url = self.server.url("/assessments/imports/new/police-uk/")
                self.session.get(form_url, timeout=60)
                with self.path.open("rb") as f:
                    r = self.session.post(
                        form_url,
                        data={
                            "partnership": self.partnership,
                            "csrfmiddlewaretoken": self.session.cookies["csrftoken"],
                        },
                        files={"file": (self.path.name, f, "text/csv")},
                        timeout=300,
                        allow_redirects=False,
                    )
                if r.status_code != 302:
                    self.error = f"upload refused: {r.status_code} {r.text[:300]}"
                    return
                pk = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])
                while True:
                    run = ImportRun.objects.get(pk=pk)
                    if run.status in (ImportRun.Status.SUCCEEDED, ImportRun.Status.FAILED):
                        break
                    time.sleep(0.5)
                self.runs.append(
                    {
                        "id": pk,
                        "status": run.status,
                        "rows": (run.report or {}).get("rows"),
                        "started": run.started_at.timestamp(),
                        "finished": run.finished_at.timestamp(),
                        "seconds": (run.finished_at - run.started_at).total_seconds(),
                    }
                )
                if run.status != ImportRun.Status.SUCCEEDED:
                    self.error = f"import {pk} failed: {json.dumps(run.report)[:500]}"
                    return
        except Exception as exc:  # reported, not raised: the main thread decides the verdict
            self.error = f"{type(exc).__name__}: {exc}"


class Probe(threading.Thread):
    """One client requesting the bare baseline view twice a second during the load."""

    def __init__(self, server, stop_at: float) -> None:
        super().__init__(daemon=True)
        self.server, self.stop_at = server, stop_at
        self.samples: list[tuple[float, float]] = []
        self.errors = 0
        self.error_kinds: set[str] = set()

    def run(self) -> None:
        s = requests.Session()
        while time.time() < self.stop_at:
            started, t0 = time.time(), time.perf_counter()
            try:
                status = s.get(self.server.url("/bench/baseline"), timeout=120).status_code
                if status != 200:
                    self.error_kinds.add(str(status))
            except requests.RequestException as exc:
                status = 0
                self.error_kinds.add(type(exc).__name__)
            self.samples.append((started, (time.perf_counter() - t0) * 1000))
            self.errors += status != 200
            time.sleep(0.5)


def count_writes(run: str) -> dict[str, int]:
    from django.db.models import Count

    from priorities.models import ProgressUpdate

    rows = (
        ProgressUpdate.objects.filter(commentary__startswith=f"Load test update {run}-")
        .values("commentary")
        .annotate(n=Count("id"))
    )
    return {r["commentary"].removeprefix("Load test update "): r["n"] for r in rows}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--seconds", type=int, default=180, help="Load duration (at most 300).")
    parser.add_argument("--rows", type=int, default=100_000, help="Rows in the police file.")
    parser.add_argument("--wait", default="2,6", help="Think time between a person's requests.")
    parser.add_argument("--database", default="csp_portal_load")
    parser.add_argument("--keep-db", action="store_true", help="Do not drop it afterwards.")
    parser.add_argument("--port", type=int, default=8775)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    args = parser.parse_args(argv)
    if not 10 <= args.seconds <= 300:
        parser.error("--seconds must be between 10 and 300")

    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        print("Set DATABASE_URL=postgres://user@127.0.0.1:5432/any_db (used only to connect).")
        return 2
    locust = Path(PY).parent / "locust"
    if not locust.exists():
        print("locust is not installed: .venv/bin/pip install -r requirements-bench.txt")
        return 2

    print(f"Machine: {machine()}")
    t0 = time.monotonic()
    run = f"r{secrets.token_hex(4)}"
    db_url = create_database(base, args.database)
    work = Path(tempfile.mkdtemp(prefix="csp_load_"))
    # Static files: hashed names as in production, kept between runs (collectstatic then only
    # copies what changed) and not pre-compressed (a slow step; the load requests no static file).
    env = server_env(db_url, Path("/tmp/csp_portal_load_static"))  # noqa: S108
    env["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    env["MEDIA_ROOT"] = str(work / "media")
    os.environ.update(env)
    procs: list[subprocess.Popen] = []
    server = None
    try:
        config = prepare(args.users, run)
        police_file = work / "2023-02-kent-street.csv"
        generate(police_file, args.rows)
        print(
            f"Prepared in {time.monotonic() - t0:.0f} s: seed data, "
            f"{sum(len(v) for v in config['accounts'].values())} load accounts, "
            f"{len(config['actions'])} actions to update, police file of {args.rows:,} rows "
            f"({police_file.stat().st_size / 1e6:.1f} MB)"
        )
        config_path = work / "config.json"
        config_path.write_text(json.dumps(config))
        config_path.chmod(0o600)

        server = Server(env, args.port, args.workers)
        worker_log = (work / "db_worker.log").open("w")
        procs.append(
            subprocess.Popen(  # noqa: S603
                [PY, "manage.py", "db_worker", "--no-startup-delay", "--interval", "0.5"],
                cwd=ROOT,
                env=env,
                stdout=worker_log,
                stderr=subprocess.STDOUT,
            )
        )
        idle = measure(server, "/bench/baseline", clients=10, seconds=5, max_requests=500)
        print(
            f"Baseline, idle server, 10 clients: {idle['rps']:.0f} req/s, "
            f"p50 {idle['p50']:.0f} ms, p95 {idle['p95']:.0f} ms"
        )

        officer = sign_in(server, "officer", config["officer_password"])  # before the load
        results = work / "results.json"
        load_start = time.time()
        load_end = load_start + args.seconds
        ramp = args.users / args.spawn_rate
        locust_env = {
            **env,
            "LOADTEST_CONFIG": str(config_path),
            "LOADTEST_RESULTS": str(results),
            "LOADTEST_WAIT": args.wait,
        }
        locust_log = (work / "locust.log").open("w")
        loader = subprocess.Popen(  # noqa: S603
            [
                str(locust),
                "-f",
                str(BENCH / "locustfile.py"),
                "--headless",
                "--host",
                f"http://127.0.0.1:{args.port}",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.spawn_rate),
                "--run-time",
                f"{args.seconds}s",
                "--stop-timeout",
                "30",
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=locust_env,
            stdout=locust_log,
            stderr=subprocess.STDOUT,
        )
        procs.append(loader)
        probe = Probe(server, load_end)
        probe.start()
        time.sleep(ramp + 2)
        importer = Importer(server, officer, police_file, config["partnership"], load_end - 20)
        importer.start()
        loader.wait(timeout=args.seconds + 120)
        importer.join(timeout=300)
        probe.join(timeout=70)
        out = json.loads(results.read_text())
    except BaseException:
        if not args.keep_db:
            from django.db import connections

            connections.close_all()
            drop_database(base, args.database)
        print(f"Stopped; logs (gunicorn, db_worker, locust) kept in {work}")
        raise
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
        if server:
            server.stop()

    # --- counting ------------------------------------------------------------------------------
    from assessments.models import CrimeRecord

    in_db = count_writes(run)
    acknowledged = out["saves_ok"]
    lost = [m for m in acknowledged if in_db.get(m, 0) == 0]
    duplicated = {m: n for m, n in in_db.items() if n > 1}
    unacknowledged = [m for m in in_db if m not in set(acknowledged)]
    crime_rows = CrimeRecord.objects.count()

    records = out["records"]
    windows = [(r["started"], r["finished"]) for r in importer.runs]

    def importing(t: float) -> bool:
        return any(a <= t <= b for a, b in windows)

    # Steady state: after the last person has signed in (PBKDF2 sign-ins load the ramp-up).
    sign_ins = [r[0] + r[2] / 1000 for r in records if r[1] == "sign-in"]
    steady_from = max(sign_ins) if sign_ins else min(r[0] for r in records)
    probe_all = [ms for _, ms in probe.samples]
    probe_steady = [ms for t, ms in probe.samples if t >= steady_from]
    probe_p50, probe_p95 = percentiles(probe_steady)
    table = []
    all_kinds = sorted(
        {r[1] for r in records},
        key=lambda k: (k not in KINDS, KINDS.index(k) if k in KINDS else 0, k),
    )
    for kind in all_kinds:
        rows = [r for r in records if r[1] == kind]
        steady = [r[2] for r in rows if r[0] >= steady_from]
        during = [r[2] for r in rows if importing(r[0])]
        p50, p95 = percentiles([r[2] for r in rows])
        s50, s95 = percentiles(steady)
        _, d95 = percentiles(during)
        table.append(
            {
                "kind": kind,
                "requests": len(rows),
                "errors": sum(1 for r in rows if not r[3]),
                "p50": p50,
                "p95": p95,
                "steady_requests": len(steady),
                "steady_p50": s50,
                "steady_p95": s95,
                "during_import_requests": len(during),
                "during_import_p95": d95,
                "steady_p95_ratio_to_baseline": s95 / probe_p95 if probe_p95 else float("nan"),
            }
        )
    errors = sum(t["errors"] for t in table) + probe.errors
    total = sum(t["requests"] for t in table)
    first = min(r[0] for r in records)
    duration = max(r[0] + r[2] / 1000 for r in records) - first

    print(
        f"\nLoad: {args.users} users for {args.seconds} s (think time {args.wait} s), "
        f"{total:,} requests ({total / duration:.1f} req/s), {errors} errors; "
        f"steady state from {steady_from - first:.0f} s (the last sign-in)"
    )
    all_p50, all_p95 = percentiles(probe_all)
    print(
        f"Baseline (bare view), 1 client every 0.5 s during the load: {len(probe_all)} requests, "
        f"{probe.errors} errors {sorted(probe.error_kinds)}; p50/p95 {all_p50:.0f}/{all_p95:.0f} "
        f"ms overall, {probe_p50:.0f}/{probe_p95:.0f} ms steady; "
        f"idle server, 10 clients: {idle['p50']:.0f}/{idle['p95']:.0f} ms"
    )
    print(
        "\n| kind | requests | errors | p50 / p95 ms, all | p50 / p95 ms, steady "
        "| p95 ms while importing (n) | steady p95 / baseline p95 |"
    )
    print("|---|---|---|---|---|---|---|")
    for t in table:
        print(
            f"| {t['kind']} | {t['requests']:,} | {t['errors']} | {t['p50']:.0f} / "
            f"{t['p95']:.0f} | {t['steady_p50']:.0f} / {t['steady_p95']:.0f} | "
            f"{t['during_import_p95']:.0f} ({t['during_import_requests']}) | "
            f"{t['steady_p95_ratio_to_baseline']:.1f} |"
        )
    print(
        f"\nImports: {len(importer.runs)} of {args.rows:,} rows, "
        + ", ".join(
            f"{r['seconds']:.1f} s ({r['status']}, {r['rows']} rows)" for r in importer.runs
        )
        + f"; covering {sum(b - a for a, b in windows):.0f} s of the load; "
        f"crime records after: {crime_rows:,}"
        + (f"; error: {importer.error}" if importer.error else "")
    )
    print(
        f"Writes: {len(acknowledged)} saves acknowledged, {len(out['saves_failed'])} refused; "
        f"in the database {sum(in_db.values())} progress updates from this run: "
        f"{len(lost)} lost, {len(duplicated)} duplicated, {len(unacknowledged)} unacknowledged"
    )

    failures = []
    if errors:
        failures.append(f"{errors} errors")
    if lost or duplicated or unacknowledged or out["saves_failed"]:
        failures.append("writes do not match")
    if importer.error or not importer.runs or crime_rows != args.rows:
        failures.append("import")
    failures += [
        f"{t['kind']} steady p95 {t['steady_p95']:.0f} ms"
        for t in table
        if t["kind"] in KINDS and not t["steady_p95"] < PASS_P95_MS
    ]
    print("PASS" if not failures else "FAIL: " + "; ".join(failures))

    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "users": args.users,
                    "seconds": args.seconds,
                    "wait": args.wait,
                    "requests": total,
                    "errors": errors,
                    "kinds": table,
                    "baseline_steady": {"p50": probe_p50, "p95": probe_p95},
                    "steady_from_s": steady_from - first,
                    "baseline_idle": idle,
                    "imports": importer.runs,
                    "crime_records": crime_rows,
                    "saves_acknowledged": len(acknowledged),
                    "progress_updates_counted": sum(in_db.values()),
                    "lost": len(lost),
                    "duplicated": len(duplicated),
                    "unacknowledged": len(unacknowledged),
                    "machine": machine(),
                    "workers": args.workers,
                    "verdict": failures or "pass",
                },
                indent=2,
            )
        )
    from django.db import connections

    connections.close_all()
    if not args.keep_db:
        drop_database(base, args.database)
    if failures:
        print(f"Logs (gunicorn, db_worker, locust) kept in {work} and /tmp/csp_bench_gunicorn_*")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
