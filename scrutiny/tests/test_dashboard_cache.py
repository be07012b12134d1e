"""The dashboard body comes from the cache, and any change to what it shows is seen at once."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from partners.models import Area
from priorities import services
from priorities.models import Action, IndicatorValue, Priority
from scrutiny.cache import STAMP_SQL, STAMPED_MODELS
from scrutiny.views import BODY_SLOT

from .conftest import Q2, SLUG

DASHBOARD = reverse("scrutiny_dashboard", args=[SLUG])


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def page(client, **params) -> str:
    response = client.get(DASHBOARD, {"period": Q2.key, **params})
    assert response.status_code == 200
    html = response.content.decode()
    # The cached body: the rest (CSRF token, session timer) changes on every response.
    return html[html.index('class="govuk-body-l"') : html.index('id="public-heading"')]


def action_count(client, **params) -> int:
    return int(re.search(r"(\d+) actions? across", page(client, **params)).group(1))


def test_it_serves_the_same_page_from_the_cache(client, councillor, known_quarter):
    client.force_login(councillor)
    first = page(client)
    assert page(client) == first
    assert "Number of violence with injury offences" in first


def test_it_shows_a_new_progress_update_at_once(client, councillor, officer, known_quarter):
    client.force_login(councillor)
    assert "Mapped by the analyst" not in page(client)
    action = Action.objects.get(text__startswith="Map violence hot spots")
    services.add_progress_update(
        action=action,
        update_date=dt.date(2025, 9, 20),
        status="off_track",
        commentary="Mapped by the analyst",
        user=officer,
    )
    assert (
        "Mapped by the analyst"
        in client.get(
            reverse("scrutiny_exceptions", args=[SLUG]), {"period": Q2.key}
        ).content.decode()
    )
    assert "2 off track" in page(client)


def test_it_shows_rows_written_without_save_at_once(client, councillor, officer, known_quarter):
    """bulk_create, queryset updates and deletes send no signal: the fingerprint sees them."""
    client.force_login(councillor)
    priority = Priority.objects.get(strategy__slug=SLUG, number=2)
    before = action_count(client)
    Action.objects.bulk_create([Action(priority=priority, order=9, text="Bulk-made action")])
    assert action_count(client) == before + 1
    Action.objects.filter(text="Bulk-made action").update(
        # Every write path sets updated_at (auto_now, or explicitly as services.py does).
        retired_at=timezone.make_aware(dt.datetime(2025, 6, 1, 12, 0)),
        updated_at=timezone.now(),
    )
    assert action_count(client) == before
    Action.objects.filter(text="Bulk-made action").delete()
    assert action_count(client) == before
    assert "Figures behind the Priority 1 charts" in page(client)
    IndicatorValue.objects.all().delete()
    assert "Figures behind the Priority 1 charts" not in page(client)


def test_it_shows_a_renamed_area_at_once(client, councillor, strategy, known_quarter):
    client.force_login(councillor)
    assert "Renamed Ward" not in page(client)
    Area.objects.filter(partnerships=strategy.partnership).update(name="Renamed Ward")
    assert "Renamed Ward" in page(client)


def test_it_keeps_periods_and_areas_apart(client, councillor, known_quarter):
    client.force_login(councillor)
    q2, q3 = page(client), page(client, period="2025-26-q3")
    assert "2025-26 Q2" in q2 or "July to September 2025" in q2
    assert q2 != q3
    assert page(client) == q2


@pytest.mark.parametrize("n", [10, 1000])
def test_it_reads_a_cached_dashboard_in_queries_that_do_not_grow_with_rows(
    client, councillor, officer, known_quarter, n, django_assert_max_num_queries
):
    """One query for the fingerprint replaces four for the figures: none grows with data."""
    priority = Priority.objects.get(strategy__slug=SLUG, number=3)
    Action.objects.bulk_create(
        Action(priority=priority, order=100 + i, text=f"Bulk {i}") for i in range(n)
    )
    client.force_login(councillor)
    page(client)
    # session, user, roles, strategy, its fingerprint, areas, public switch, at most
    # 2 + 2 for the assessment and 3 + 2 for the survey (with their savepoints).
    with django_assert_max_num_queries(15):
        assert action_count(client) == 7 + n


def test_it_reads_the_fingerprint_from_the_tables_the_models_use():
    """The fingerprint is hand-written SQL: a renamed table must fail here, not serve stale."""
    for model in STAMPED_MODELS:
        assert f"FROM {model._meta.db_table} " in STAMP_SQL or (
            f"JOIN {model._meta.db_table} " in STAMP_SQL
        )
        assert {"id", "updated_at"} <= {f.attname for f in model._meta.fields}


def test_it_puts_the_cached_body_in_the_page_once(client, councillor, known_quarter):
    client.force_login(councillor)
    for _ in range(2):  # rendered, then cached
        html = client.get(DASHBOARD, {"period": Q2.key}).content.decode()
        assert html.count('id="glance-heading"') == 1
        assert BODY_SLOT not in html
        assert html.index('id="glance-heading"') < html.index('id="public-heading"')
