"""API tokens kept in memory under the data version: read once, never honoured after a change."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken
from platform_ops import data_version
from tests.queries import table_reads

from .conftest import bearer

LIST = "/api/v1/actions/"
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Tokens are kept only under PostgreSQL's data version (set DATABASE_URL)",
)


@pytest.fixture
def token_and_key(officer):
    return ApiToken.issue(
        user=officer, name="t", scope="read", expires_at=timezone.now() + dt.timedelta(days=1)
    )


def token_reads(client) -> tuple[int, int]:
    """The response's status and how many times it read a token from the database."""
    return table_reads(client, LIST, "api_apitoken")


@postgres_only
def test_it_reads_a_token_once_per_data_version(token_and_key):
    client = bearer(APIClient(), token_and_key[1])
    assert token_reads(client) == (200, 1)
    assert token_reads(client) == (200, 0)


@pytest.mark.parametrize("change", ["revoked", "deleted", "expired", "person disabled"])
def test_a_token_changed_after_use_is_refused_on_the_next_request(token_and_key, change):
    token, key = token_and_key
    client = bearer(APIClient(), key)
    assert client.get(LIST).status_code == 200
    if change == "revoked":
        token.revoke()
    elif change == "deleted":
        token.delete()
    elif change == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    else:
        type(token.user).objects.filter(pk=token.user_id).update(is_active=False)
    assert client.get(LIST).status_code == 401


def test_a_token_kept_in_memory_still_expires_on_time(token_and_key, monkeypatch):
    """Nothing is written when a token's time runs out: the expiry is checked on each use."""
    token, key = token_and_key
    client = bearer(APIClient(), key)
    assert client.get(LIST).status_code == 200
    later = token.expires_at + dt.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    response = client.get(LIST)
    assert response.status_code == 401 and "expired" in response.json()["detail"]


@postgres_only
def test_using_a_token_is_recorded_once_a_minute_and_leaves_the_data_version_alone(
    token_and_key, monkeypatch
):
    token, key = token_and_key
    client = bearer(APIClient(), key)
    before = data_version.current()
    client.get(LIST)  # the first use
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    assert data_version.current() == before  # last_used_at is not the portal's data

    with CaptureQueriesContext(connection) as queries:
        client.get(LIST)
    assert not [q for q in queries if q["sql"].startswith("UPDATE") and "api_apitoken" in q["sql"]]

    later = first_use + dt.timedelta(minutes=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    client.get(LIST)
    token.refresh_from_db()
    assert token.last_used_at == later
