"""Two app servers, one database: no state lives in a process.

Starts two gunicorn instances on two free loopback ports against this test run's PostgreSQL
database, with production settings (DEBUG off, PBKDF2 passwords, database sessions), the cache
in a database table (CACHE_URL=dbcache://...) and the real django_tasks_db queue, then shows:

- a person signed in through instance A is signed in on instance B (sessions in the database);
- an API token's throttle (5/minute) counts requests sent to both instances together;
- an import queued through A's upload page is run by a separate `manage.py db_worker` process,
  and its result is shown by B.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from api.models import ApiToken
from assessments.imports import POLICE_UK_HEADER
from assessments.models import CrimeRecord, ImportRun
from partners.models import Area, Partnership, Role, User

ROOT = Path(settings.BASE_DIR)
SAMPLE = ROOT / "assessments" / "tests" / "data" / "2023-02-kent-street-dartford-gravesham.csv"
CACHE_TABLE = "csp_scale_out_cache"
PASSWORD = "scale-out-" + secrets.token_urlsafe(12)

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason=(
            "Scale-out needs PostgreSQL: two gunicorn processes and a worker share the test "
            "database, which an in-memory or file SQLite test database cannot offer "
            "(set DATABASE_URL=postgres://...)"
        ),
    ),
    pytest.mark.django_db(transaction=True),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    sd = connection.settings_dict
    user, password = sd.get("USER") or "", sd.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{auth}{sd.get('HOST') or '127.0.0.1'}:{sd.get('PORT') or 5432}/{sd['NAME']}"


@pytest.fixture
def server_env(tmp_path):
    """What every app server and worker shares: the database, the secret key, MEDIA_ROOT."""
    shared_cache = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": CACHE_TABLE,
    }
    with override_settings(CACHES={"default": shared_cache}):
        call_command("createcachetable")  # as at release: `manage.py createcachetable`
    (tmp_path / "media").mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_")) and key != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="csp_portal.settings",
        DATABASE_URL=database_url(),
        CONN_MAX_AGE="0",
        SECRET_KEY="scale-out-" + secrets.token_urlsafe(40),
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        ALLOWED_HOSTS="127.0.0.1",
        CACHE_URL=f"dbcache://{CACHE_TABLE}",
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        API_THROTTLE_RATE="5/minute",
        MEDIA_ROOT=str(tmp_path / "media"),
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
        LOG_LEVEL="WARNING",
    )
    yield env
    with connection.cursor() as cur:
        cur.execute(f'DROP TABLE IF EXISTS "{CACHE_TABLE}"')


class Process:
    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log.open("w")
        self.proc = subprocess.Popen(  # noqa: S603
            args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()


class Gunicorn(Process):
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        bind = f"127.0.0.1:{self.port}"
        super().__init__(
            [gunicorn, "csp_portal.wsgi:application", "--bind", bind, "--workers", "1"], env, log
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.output()[-3000:]
            try:
                if requests.get(self.url("/healthz"), timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        pytest.fail(f"gunicorn on port {self.port} did not answer: {self.output()[-3000:]}")


@pytest.fixture
def processes(server_env, tmp_path, request):
    """Instances A and B (same code and environment, two processes, two ports) and a worker.

    All three start at once; the worker polls the queue in the database until it is stopped.
    """
    started = []
    request.addfinalizer(lambda: [p.stop() for p in started])
    for name in ("a", "b"):
        started.append(Gunicorn(server_env, tmp_path / f"gunicorn-{name}.log"))
    worker = Process(
        [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--interval", "0.2"],
        server_env,
        tmp_path / "db_worker.log",
    )
    started.append(worker)
    deadline = time.monotonic() + 45
    for server in started[:2]:
        server.wait_ready(deadline)
    return started


@pytest.fixture
def scale_officer():
    partnership = Partnership.objects.create(
        key="scale", name="Scale Community Safety Partnership", short_name="Scale CSP"
    )
    partnership.areas.add(Area.objects.create(gss_code="E07000107", name="Dartford"))
    # The servers run the production hashers; few iterations keep the test fast (a sign-in
    # re-hashes with the full count, as for any older password).
    hashed = PBKDF2PasswordHasher().encode(PASSWORD, secrets.token_hex(8), iterations=1000)
    user = User.objects.create(username="sam.scale", password=hashed)
    Role.objects.create(user=user, partnership=partnership, role=Role.Name.OFFICER)
    return user


def sign_in(server: Gunicorn) -> requests.Session:
    s = requests.Session()
    assert s.get(server.url("/sign-in/"), timeout=20).status_code == 200
    r = s.post(
        server.url("/sign-in/"),
        data={
            "username": "sam.scale",
            "password": PASSWORD,
            "csrfmiddlewaretoken": s.cookies["csrftoken"],
        },
        timeout=20,
        allow_redirects=False,
    )
    assert r.status_code == 302, r.text[:500]
    assert "sessionid" in s.cookies
    return s


def test_two_instances_share_sessions_throttles_and_the_job_queue(processes, scale_officer):
    a, b, worker = processes
    assert a.port != b.port and a.proc.pid != b.proc.pid

    # 1. Signed in through A, signed in on B: a fresh client carrying only A's cookies.
    on_a = sign_in(a)
    anonymous = requests.get(b.url("/actions/mine/"), timeout=20, allow_redirects=False)
    assert anonymous.status_code == 302 and "/sign-in/" in anonymous.headers["Location"]
    on_b = requests.Session()
    on_b.cookies.update({"sessionid": on_a.cookies["sessionid"]})
    mine = on_b.get(b.url("/actions/mine/"), timeout=20, allow_redirects=False)
    assert mine.status_code == 200, mine.status_code
    assert "Sign out" in mine.text

    # 2. One token, 5 requests a minute, counted across both instances: 3 on A and 2 on B are
    # allowed, and the next is refused by either. (Per-process counting would allow 10.)
    _, key = ApiToken.issue(
        user=scale_officer,
        name="scale",
        scope="read",
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    auth = {"Authorization": f"Bearer {key}"}
    allowed = [
        requests.get(server.url("/api/v1/strategies/"), headers=auth, timeout=20).status_code
        for server in (a, b, a, b, a)
    ]
    assert allowed == [200] * 5
    for server in (b, a):
        refused = requests.get(server.url("/api/v1/strategies/"), headers=auth, timeout=20)
        assert refused.status_code == 429, (server.port, refused.status_code)
        assert "Retry-After" in refused.headers

    # 3. An import queued through A's upload page is run by a worker process; B shows it.
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()[1:21]
    upload = "\n".join([",".join(POLICE_UK_HEADER), *lines]) + "\n"
    form = on_a.get(a.url("/assessments/imports/new/police-uk/"), timeout=20)
    assert form.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    queued = on_a.post(
        a.url("/assessments/imports/new/police-uk/"),
        data={"partnership": Partnership.objects.get(key="scale").pk, "csrfmiddlewaretoken": token},
        files={"file": ("2023-02-kent-street.csv", upload.encode(), "text/csv")},
        timeout=30,
        allow_redirects=False,
    )
    assert queued.status_code == 302, queued.text[:1000]
    run = ImportRun.objects.get()
    assert queued.headers["Location"].endswith(f"/assessments/imports/{run.pk}/")

    job = DBTaskResult.objects.get()  # queued in the database by instance A, not run there
    assert job.task_path == "assessments.tasks.run_import" and job.args_kwargs["args"] == [run.pk]
    deadline = time.monotonic() + 45
    while job.status != "SUCCESSFUL":
        assert job.status in ("READY", "RUNNING"), (job.status, job.traceback, worker.output())
        assert time.monotonic() < deadline, f"the worker did not run it: {worker.output()}"
        assert worker.proc.poll() is None, worker.output()
        time.sleep(0.2)
        job.refresh_from_db()
    assert job.worker_ids, "run by a db_worker process, not by the web process"
    assert job.return_value == ImportRun.Status.SUCCEEDED

    run.refresh_from_db()
    assert run.status == ImportRun.Status.SUCCEEDED, run.report
    assert CrimeRecord.objects.count() == len(lines)
    page = on_b.get(b.url(f"/assessments/imports/{run.pk}/"), timeout=20)
    assert page.status_code == 200
    assert "Succeeded" in page.text
