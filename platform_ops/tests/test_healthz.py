"""/healthz answers a load balancer: 200 with the database up, 503 with it down."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.test import override_settings

pytestmark = [
    pytest.mark.django_db,
    # Works before and after csp_portal/urls.py adds the path: the test URLconf includes both.
    pytest.mark.urls("platform_ops.tests.urls"),
]


def test_healthz_ok_when_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_503_when_database_fails(client):
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_healthz_503_when_connection_cannot_open(client):
    from django.db import connections

    with mock.patch.object(
        type(connections["default"]), "cursor", side_effect=OperationalError("no server")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503


def test_healthz_needs_no_login_and_sets_no_cookie(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert "csrftoken" not in response.cookies


def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405


@override_settings(DEBUG=False, SECURE_SSL_REDIRECT=False, ALLOWED_HOSTS=["csp.example.gov.uk"])
def test_healthz_not_throttled(client):
    for _ in range(30):
        assert client.get("/healthz", HTTP_HOST="csp.example.gov.uk").status_code == 200
