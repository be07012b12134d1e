"""HTTP benchmark: gunicorn with production settings on 127.0.0.1, against PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csp_portal \\
        .venv/bin/python bench/http_bench.py --scale 0.1

1. Creates a throwaway database (csp_portal_bench_http, dropped and re-created; the database
   named in DATABASE_URL is only used to connect), loads bench/make_national_data.py into it at
   --scale, creates the cache table, collects static files, signs up one officer of the first
   partnership and an API token for them.
2. Starts gunicorn (sync workers, --workers) on 127.0.0.1 only, with DEBUG=false, HSTS and
   the rest of the production settings; only SECURE_SSL_REDIRECT and SECURE_COOKIES are off
   because there is no TLS proxy in front, and API_THROTTLE_RATE is raised so the throttle still
   counts (in the database cache) but never refuses the benchmark.
3. For each endpoint, at 1 and 10 concurrent clients (threads, each with its own
   requests.Session): warms up, then sends requests for --seconds or until --max-requests,
   whichever comes first, and records requests per second and p50/p95 latency. Prints each
   as a ratio to the baseline (a bare Django view returning "ok", same server, same middleware).
4. Starts a one-worker gunicorn afresh for each size of CSV export (1,000 and 10,000 rows) and
   reads the worker's peak resident memory (VmHWM): flat memory means the export streams.

Nothing listens beyond loopback; every run is bounded by --seconds per measurement.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import functools
import json
import os
import platform
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
PY = sys.executable
PASSWORD = "bench-officer-password-" + secrets.token_hex(6)


def database_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def server_env(db_url: str, static_root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="http_bench_settings",
        PYTHONPATH=f"{BENCH}{os.pathsep}{ROOT}",
        DATABASE_URL=db_url,
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=str(static_root),
        API_THROTTLE_RATE="10000000/hour",
        LOG_LEVEL="WARNING",
    )
    return env


def run(cmd: list[str], env: dict[str, str]) -> None:
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)  # noqa: S603


def prepare_database(base_url: str, name: str, scale: float, seed: int, reuse: bool) -> str:
    import psycopg2

    parts = urlsplit(base_url)
    conn = psycopg2.connect(database_url(base_url, "postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cur.fetchone() is not None
        if exists and not reuse:
            cur.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        if not exists or not reuse:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    url = database_url(base_url, name)
    if not (exists and reuse):
        env = server_env(url, Path("/tmp"))  # noqa: S108
        env["DJANGO_SETTINGS_MODULE"] = "csp_portal.settings"
        run(
            [
                PY,
                "bench/make_national_data.py",
                "--seed",
                str(seed),
                "--scale",
                str(scale),
                "--migrate",
            ],
            env,
        )
    del parts
    return url


def prepare_accounts(env: dict[str, str]) -> dict:
    """Create the officer and token in a child process with the server's settings."""
    code = f"""
import json, datetime as dt
import django
django.setup()
from django.utils import timezone
from api.models import ApiToken
from partners.models import Organisation, Partnership, Role, User
from priorities.models import Action, Strategy
p = Partnership.objects.get(key="nat-000")
user, _ = User.objects.get_or_create(
    username="bench.officer", defaults={{"email": "b@bench.invalid"}}
)
user.set_password({PASSWORD!r}); user.save()
Role.objects.get_or_create(user=user, partnership=p, role=Role.Name.OFFICER)
ApiToken.objects.filter(user=user).delete()
token, key = ApiToken.issue(user=user, name="bench", scope="read",
                            expires_at=timezone.now() + dt.timedelta(days=1))
yj = Organisation.objects.get(key="bench-youth-justice").pk
pr = Organisation.objects.get(key="bench-probation").pk
print(json.dumps({{
  "key": key,
  "strategy": Strategy.objects.get(slug="nat-000-2023-2026").slug,
  "org_1k": yj, "rows_1k": Action.objects.filter(lead_organisation_id=yj).count(),
  "org_10k": pr, "rows_10k": Action.objects.filter(lead_organisation_id=pr).count(),
  "actions": Action.objects.count(),
}}))
"""
    out = subprocess.run(  # noqa: S603
        [PY, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


class Server:
    def __init__(self, env: dict[str, str], port: int, workers: int) -> None:
        self.port = port
        self.log = open(f"/tmp/csp_bench_gunicorn_{port}.log", "w")  # noqa: S108, SIM115
        self.proc = subprocess.Popen(  # noqa: S603
            [
                str(Path(PY).parent / "gunicorn"),
                "csp_portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--timeout",
                "120",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.log.name}")
            try:
                if requests.get(self.url("/bench/baseline"), timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        self.stop()
        raise SystemExit("gunicorn did not answer within 60 s")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def worker_pids(self) -> list[int]:
        pids = []
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            children = (task / "children").read_text().split()
            pids += [int(c) for c in children]
        return pids

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


def proc_status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def sign_in(server: Server) -> dict[str, str]:
    s = requests.Session()
    s.get(server.url("/sign-in/"), timeout=10)
    r = s.post(
        server.url("/sign-in/"),
        data={
            "username": "bench.officer",
            "password": PASSWORD,
            "csrfmiddlewaretoken": s.cookies["csrftoken"],
        },
        timeout=10,
        allow_redirects=False,
    )
    if r.status_code != 302 or "sessionid" not in s.cookies:
        raise SystemExit(f"Sign-in failed: {r.status_code}")
    return dict(s.cookies)


def measure(
    server, path, *, headers=None, cookies=None, clients=1, seconds=8.0, max_requests=400, warmup=3
):
    """Requests/s and latency percentiles for `clients` threads hitting one URL."""
    url = server.url(path)
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[int] = []
    count = [0]

    def session():
        s = requests.Session()
        s.headers.update(headers or {})
        if cookies:
            s.cookies.update(cookies)
        return s

    def warm(_):
        s = session()
        for _ in range(warmup):
            s.get(url, timeout=120).content  # noqa: B018
        return s

    with cf.ThreadPoolExecutor(clients) as pool:
        sessions = list(pool.map(warm, range(clients)))
    start = time.perf_counter()
    deadline = start + seconds

    def client(s):
        while True:
            with lock:
                if count[0] >= max_requests or time.perf_counter() >= deadline:
                    return
                count[0] += 1
            t0 = time.perf_counter()
            r = s.get(url, timeout=120)
            _ = r.content
            dt_ = time.perf_counter() - t0
            with lock:
                latencies.append(dt_)
                if r.status_code != 200:
                    errors.append(r.status_code)

    with cf.ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, sessions))
    wall = time.perf_counter() - start
    latencies.sort()
    q = (
        statistics.quantiles(latencies, n=100, method="inclusive")
        if len(latencies) > 1
        else latencies * 99
    )
    return {
        "n": len(latencies),
        "rps": len(latencies) / wall,
        "p50": q[49] * 1000,
        "p95": q[94] * 1000,
        "errors": len(errors),
        "error_codes": sorted(set(errors)),
    }


WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def measure_wrk(server, path, *, headers=None, cookies=None, clients=1, seconds=8.0) -> dict:
    """The same measurement by wrk, a load generator in C: the client's own cost, which in
    Python grows with the size of the response, all but leaves the figures."""
    script = Path("/tmp/csp_bench_wrk_report.lua")  # noqa: S108
    script.write_text(WRK_REPORT)
    args = ["wrk", "-t", str(min(clients, 2)), "-c", str(clients), "-d", f"{seconds:.0f}s"]
    sent = dict(headers or {})
    sent.setdefault("Accept-Encoding", "gzip, deflate")  # what a browser and requests send
    if cookies:
        sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    for name, value in sent.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run(  # noqa: S603
        [*args, "-s", str(script), server.url(path)], capture_output=True, text=True, check=True
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    requests_, micros, p50, p95, errors = (int(v) for v in line.split()[1:])
    return {
        "n": requests_,
        "rps": requests_ / (micros / 1e6),
        "p50": p50 / 1000,
        "p95": p95 / 1000,
        "errors": errors,
        "error_codes": [],
    }


def csv_memory(env, port, path, headers, repeats=3) -> dict:
    """A fresh one-worker server: the worker's resident memory before and its peak after."""
    server = Server(env, port, workers=1)
    try:
        (worker,) = server.worker_pids()
        requests.get(server.url("/bench/baseline"), timeout=10)
        before = proc_status_kb(worker, "VmRSS")
        rows, seconds = 0, []
        for _ in range(repeats):
            t0 = time.perf_counter()
            r = requests.get(server.url(path), headers=headers, timeout=300)
            seconds.append(time.perf_counter() - t0)
            if r.status_code != 200:
                raise SystemExit(f"CSV export failed: {r.status_code} {r.text[:200]}")
            rows = r.text.count("\n") - 1
        return {
            "rows": rows,
            "rss_before_mb": before / 1024,
            "peak_mb": proc_status_kb(worker, "VmHWM") / 1024,
            "seconds": min(seconds),
        }
    finally:
        server.stop()


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = proc_status_kb_meminfo()
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {mem_kb / 1024 / 1024:.1f} GB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"load average {load[0]:.1f} at the start"
    )


def proc_status_kb_meminfo() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1])
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.1, help="make_national_data --scale")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default="csp_portal_bench_http")
    parser.add_argument("--reuse-db", action="store_true", help="Keep an existing bench database.")
    parser.add_argument("--keep-db", action="store_true", help="Do not drop it afterwards.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--seconds", type=float, default=8.0, help="Per measurement.")
    parser.add_argument("--max-requests", type=int, default=400, help="Per measurement.")
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    parser.add_argument(
        "--only",
        action="append",
        help="Measure only endpoints whose label contains this (repeatable); the baseline always.",
    )
    parser.add_argument("--no-csv", action="store_true", help="Skip the CSV export runs.")
    parser.add_argument(
        "--client",
        choices=("python", "wrk"),
        default="python",
        help="Python threads with requests (default), or wrk (apt-get install wrk) as a check "
        "that the client's own cost does not decide the figures.",
    )
    args = parser.parse_args(argv)

    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        print("Set DATABASE_URL=postgres://user@127.0.0.1:5432/any_db (used only to connect).")
        return 2

    print(f"Machine: {machine()}")
    t0 = time.monotonic()
    db_url = prepare_database(base, args.database, args.scale, args.seed, args.reuse_db)
    static_root = Path("/tmp/csp_portal_bench_static")  # noqa: S108
    env = server_env(db_url, static_root)
    # A kept database gets this code's migrations and change triggers, as a release would.
    run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], env)
    run([PY, "manage.py", "createcachetable"], env)
    run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
    info = prepare_accounts(env)
    print(
        f"Prepared in {time.monotonic() - t0:.0f} s: {info['actions']:,} actions; "
        f"CSV sizes {info['rows_1k']:,} and {info['rows_10k']:,} rows"
    )

    auth = {"Authorization": f"Bearer {info['key']}"}
    results = []
    server = Server(env, args.port, args.workers)
    try:
        cookies = sign_in(server)
        endpoints = [
            ("baseline (bare Django view)", "/bench/baseline", {}, None),
            # The same bare view for a signed-in officer: what a session and a user cost.
            ("baseline, signed in", "/bench/baseline", {}, cookies),
            ("/healthz", "/bench/healthz", {}, None),
            ("home page (anonymous)", "/", {}, None),
            (
                "strategy dashboard (officer)",
                f"/scrutiny/strategies/{info['strategy']}/",
                {},
                cookies,
            ),
            ("action list (officer)", "/actions/", {}, cookies),
            ("API action list, 100 a page (token)", "/api/v1/actions/?page_size=100", auth, None),
        ]
        # Every worker warm (imports, template and URL caches, database connections) before the
        # baseline is measured: measured first and cold, it came out at half /healthz's rate.
        measure(server, "/bench/baseline", clients=10, seconds=3, max_requests=1000, warmup=5)
        if args.only:
            endpoints = [
                e for i, e in enumerate(endpoints) if i == 0 or any(o in e[0] for o in args.only)
            ]
        if args.client == "wrk":
            measure_one = measure_wrk
        else:
            measure_one = functools.partial(measure, max_requests=args.max_requests)
        for label, path, headers, ck in endpoints:
            for clients in (1, 10):
                m = measure_one(
                    server, path, headers=headers, cookies=ck, clients=clients, seconds=args.seconds
                )
                m.update(endpoint=label, path=path, clients=clients)
                results.append(m)
                print(
                    f"  {label:<40} c={clients:<2} n={m['n']:<4} {m['rps']:7.1f} req/s  "
                    f"p50 {m['p50']:7.1f} ms  p95 {m['p95']:7.1f} ms  errors {m['errors']}",
                    flush=True,
                )
        csv_path = f"/api/v1/actions/?format=csv&lead_organisation={info['org_10k']}"
        for clients in () if args.no_csv else (1, 10):
            m = measure(
                server,
                csv_path,
                headers=auth,
                clients=clients,
                seconds=args.seconds * 2,
                max_requests=max(clients * 2, 10),
                warmup=1,
            )
            m.update(
                endpoint=f"CSV export, {info['rows_10k']:,} rows (token)",
                path=csv_path,
                clients=clients,
            )
            results.append(m)
            print(
                f"  {m['endpoint']:<40} c={clients:<2} n={m['n']:<4} {m['rps']:7.2f} req/s  "
                f"p50 {m['p50']:7.1f} ms  p95 {m['p95']:7.1f} ms  errors {m['errors']}",
                flush=True,
            )
    finally:
        server.stop()

    memory = []
    if info["rows_10k"] < 10_000:
        print(
            f"  Only {info['actions']:,} actions at this scale: the 10,000-row CSV needs "
            "--scale 0.31 or more; its figures above are for fewer rows."
        )
    for org, rows in ((info["org_1k"], info["rows_1k"]), (info["org_10k"], info["rows_10k"])):
        if not rows or args.no_csv:
            continue
        mem = csv_memory(
            env, args.port + 1, f"/api/v1/actions/?format=csv&lead_organisation={org}", auth
        )
        memory.append(mem)
        print(
            f"  CSV {mem['rows']:>6,} rows: worker RSS {mem['rss_before_mb']:.0f} MB before, "
            f"peak {mem['peak_mb']:.0f} MB, {mem['seconds']:.2f} s"
        )

    base_rps = {
        r["clients"]: r["rps"] for r in results if r["endpoint"] == "baseline (bare Django view)"
    }
    print("\nRatio to the baseline's requests per second (same run, same concurrency):")
    print("| endpoint | clients | req/s | ratio | p50 ms | p95 ms | errors |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        r["ratio"] = r["rps"] / base_rps[r["clients"]]
        print(
            f"| {r['endpoint']} | {r['clients']} | {r['rps']:.1f} | {r['ratio']:.3f} | "
            f"{r['p50']:.0f} | {r['p95']:.0f} | {r['errors']} |"
        )
    if len(memory) == 2:
        print(
            f"\nCSV memory: {memory[0]['rows']:,} rows peak {memory[0]['peak_mb']:.0f} MB, "
            f"{memory[1]['rows']:,} rows peak {memory[1]['peak_mb']:.0f} MB "
            f"(ratio {memory[1]['peak_mb'] / memory[0]['peak_mb']:.2f})"
        )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "results": results,
                    "csv_memory": memory,
                    "info": {k: v for k, v in info.items() if k != "key"},
                    "machine": machine(),
                    "workers": args.workers,
                    "scale": args.scale,
                },
                indent=2,
            )
        )

    if not args.keep_db:
        import psycopg2

        conn = psycopg2.connect(database_url(base, "postgres"))
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        conn.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
