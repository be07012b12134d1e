"""Locust users for bench/load_test.py: 60% read dashboards, 30% pull the API, 10% save updates.

Not meant to be run on its own: load_test.py prepares the database, writes the accounts, tokens
and URLs to the JSON file named by LOADTEST_CONFIG, starts gunicorn and runs

    locust -f bench/locustfile.py --headless --host http://127.0.0.1:PORT ...

Every request is also recorded here (start time, kind, milliseconds, success) and written with
the markers of every save the server acknowledged to LOADTEST_RESULTS when locust stops, so
load_test.py can compute exact percentiles per kind and count the saves in the database.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from itertools import count

from locust import HttpUser, between, events, task

with open(os.environ["LOADTEST_CONFIG"], encoding="utf-8") as _f:
    CONFIG = json.load(_f)

WAIT = tuple(float(x) for x in os.environ.get("LOADTEST_WAIT", "2,6").split(","))
RECORDS: list[tuple[float, str, float, bool]] = []
SAVES_OK: list[str] = []
SAVES_FAILED: list[str] = []
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_pools = {kind: iter(CONFIG["accounts"][kind]) for kind in CONFIG["accounts"]}
_save_numbers = count(1)


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception, **kwargs):
    kind = name.split(" ", 1)[0]
    started = time.time() - response_time / 1000
    RECORDS.append((started, kind, response_time, exception is None))


@events.quitting.add_listener
def _write_results(environment, **kwargs):
    with open(os.environ["LOADTEST_RESULTS"], "w", encoding="utf-8") as f:
        json.dump({"records": RECORDS, "saves_ok": SAVES_OK, "saves_failed": SAVES_FAILED}, f)


class PortalUser(HttpUser):
    abstract = True
    wait_time = between(*WAIT)
    kind = ""

    def on_start(self):
        self.account = next(_pools[self.kind])
        if "password" in self.account:
            self.sign_in()

    def sign_in(self):
        self.client.get("/sign-in/", name="sign-in form")
        with self.client.post(
            "/sign-in/",
            data={
                "username": self.account["username"],
                "password": self.account["password"],
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
            },
            name="sign-in post",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code != 302 or "sessionid" not in self.client.cookies:
                r.failure(f"sign-in refused: {r.status_code}")

    def get(self, path: str, name: str, **kwargs):
        with self.client.get(path, name=name, catch_response=True, **kwargs) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")


class DashboardReader(PortalUser):
    """A committee member or officer reading the scrutiny dashboards and exceptions."""

    weight = 6
    kind = "dashboard"

    @task(4)
    def dashboard(self):
        slug = random.choice(CONFIG["strategies"])  # noqa: S311 - load mix, not secrets
        self.get(f"/scrutiny/strategies/{slug}/", "dashboard /scrutiny/strategies/[slug]/")

    @task(2)
    def exceptions(self):
        slug = random.choice(CONFIG["strategies"])  # noqa: S311
        self.get(
            f"/scrutiny/strategies/{slug}/exceptions/",
            "dashboard /scrutiny/strategies/[slug]/exceptions/",
        )

    @task(1)
    def index(self):
        self.get("/scrutiny/", "dashboard /scrutiny/")


class ApiPuller(PortalUser):
    """A partner system pulling with a read token, a page of 100 at a time."""

    weight = 3
    kind = "api"

    def on_start(self):
        super().on_start()
        self.client.headers["Authorization"] = f"Bearer {self.account['token']}"

    @task(3)
    def actions(self):
        self.get("/api/v1/actions/?page_size=100", "api /api/v1/actions/")

    @task(2)
    def indicator_values(self):
        self.get("/api/v1/indicator-values/?page_size=100", "api /api/v1/indicator-values/")

    @task(2)
    def progress_updates(self):
        self.get("/api/v1/progress-updates/?page_size=100", "api /api/v1/progress-updates/")

    @task(1)
    def strategies(self):
        self.get("/api/v1/strategies/", "api /api/v1/strategies/")


class UpdateSaver(PortalUser):
    """An officer adding a progress update to an action: the form, then the POST."""

    weight = 1
    kind = "save"

    @task
    def save_update(self):
        action = random.choice(CONFIG["actions"])  # noqa: S311
        path = f"/actions/{action}/updates/new/"
        with self.client.get(
            path, name="form /actions/[id]/updates/new/", catch_response=True
        ) as r:
            match = CSRF_INPUT.search(r.text or "")
            if r.status_code != 200 or not match:
                r.failure(f"form: {r.status_code}")
                return
        marker = f"{CONFIG['run']}-{self.account['username']}-{next(_save_numbers)}"
        today = time.localtime()
        with self.client.post(
            path,
            data={
                "csrfmiddlewaretoken": match.group(1),
                "update_date_0": str(today.tm_mday),
                "update_date_1": str(today.tm_mon),
                "update_date_2": str(today.tm_year),
                "status": CONFIG["status"],
                "commentary": f"Load test update {marker}",
            },
            headers={"Referer": self.host + path},
            name="save /actions/[id]/updates/new/",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code == 302 and r.headers.get("Location", "").endswith(f"/{action}/"):
                SAVES_OK.append(marker)
            else:
                SAVES_FAILED.append(marker)
                r.failure(f"save: {r.status_code}")
