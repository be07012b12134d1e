"""API fixtures: tokens for the personas, and a client that sends them."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken


def issue(user, scope="read", days=30):
    _, key = ApiToken.issue(
        user=user, name="test", scope=scope, expires_at=timezone.now() + dt.timedelta(days=days)
    )
    return key


@pytest.fixture
def api():
    return APIClient()


def bearer(client: APIClient, key: str) -> APIClient:
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client
