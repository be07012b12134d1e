"""CSV exports: one serializer for every row, queries per chunk of rows, never per row."""

import csv
import io

import pytest
from rest_framework.test import APIClient

from api.tests.conftest import bearer, issue
from partners.models import Organisation
from priorities.models import Action, Priority


def make_actions(n: int) -> None:
    priority = Priority.objects.get(strategy__slug="dartford-2025-2028", number=1)
    police = Organisation.objects.get(key="kent-police")
    actions = Action.objects.bulk_create(
        Action(priority=priority, order=100 + i, text=f"A{i}", lead_organisation=police)
        for i in range(n)
    )
    council = Organisation.objects.get(key="dartford-borough-council")
    for a in actions[:3]:
        a.supporting_organisations.add(council)


def rows(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def test_it_exports_what_the_json_list_says(officer, seeded):
    make_actions(5)
    client = bearer(APIClient(), issue(officer))
    exported = rows(client.get("/api/v1/actions/", {"format": "csv"}))
    listed = client.get("/api/v1/actions/", {"page_size": 500}).json()["results"]
    assert [int(r["id"]) for r in exported] == [a["id"] for a in listed]
    for row, item in zip(exported, listed, strict=True):
        assert row["status_label"] == item["status_label"]
        assert row["supporting_organisations"] == "; ".join(
            str(o) for o in item["supporting_organisations"]
        )
        assert row["lead_organisation_name"] == (item["lead_organisation_name"] or "")


@pytest.mark.parametrize("n", [10, 2500])
def test_it_exports_in_queries_that_do_not_grow_with_rows(
    officer, seeded, n, django_assert_max_num_queries
):
    """Three queries a chunk of 1,000 rows (rows, two prefetches), none per row."""
    make_actions(n)
    client = bearer(APIClient(), issue(officer))
    client.get("/api/v1/strategies/")  # the token's first use records last_used_at
    with django_assert_max_num_queries(12 + 3 * (n // 1000)):
        response = client.get("/api/v1/actions/", {"format": "csv"})
        assert len(rows(response)) >= n
