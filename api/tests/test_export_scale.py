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


@pytest.mark.parametrize(
    ("n", "params", "limit"),
    [
        # An export: three queries a chunk of 1,000 rows (rows, two relations' ids).
        (10, {"format": "csv"}, 12),
        (2500, {"format": "csv"}, 12 + 3 * 2),
        # A page: count, rows, two relations' ids.
        (10, {"page_size": 500}, 13),
        (400, {"page_size": 500}, 13),
    ],
)
def test_it_lists_and_exports_in_queries_that_do_not_grow_with_rows(
    officer, seeded, n, params, limit, django_assert_max_num_queries
):
    make_actions(n)
    client = bearer(APIClient(), issue(officer))
    client.get("/api/v1/strategies/")  # the token's first use records last_used_at
    with django_assert_max_num_queries(limit):
        response = client.get("/api/v1/actions/", params)
        found = rows(response) if "format" in params else response.json()["results"]
    assert len(found) >= n


def test_it_lists_the_same_related_ids_as_the_detail_view(officer, seeded):
    """A page's ids come from one query per relation; a single action's from its managers."""
    make_actions(3)
    action = Action.objects.filter(text="A1").get()
    members = list(
        Organisation.objects.filter(memberships__partnership=action.priority.strategy.partnership)
    )
    action.supporting_organisations.set(members[:4])
    action.focus_items.set(action.priority.focus_items.all()[:2])
    client = bearer(APIClient(), issue(officer))
    listed = {
        a["id"]: a for a in client.get("/api/v1/actions/", {"page_size": 500}).json()["results"]
    }
    assert len(listed[action.pk]["supporting_organisations"]) == min(4, len(members))
    for pk in (
        action.pk,
        *Action.objects.filter(text__in=["A0", "A2"]).values_list("pk", flat=True),
    ):
        detail = client.get(f"/api/v1/actions/{pk}/").json()
        assert listed[pk]["supporting_organisations"] == detail["supporting_organisations"]
        assert listed[pk]["focus_items"] == detail["focus_items"]
