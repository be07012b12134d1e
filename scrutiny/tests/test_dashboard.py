"""The strategy dashboard and the exceptions list for a known quarter."""

import datetime as dt
from html import unescape

import pytest
from django.urls import reverse

from priorities.models import Action, Indicator, IndicatorValue, Priority, ProgressUpdate
from scrutiny import services
from scrutiny.queries import build_dashboard

from .conftest import Q2, SLUG
from .helpers import tables_by_id

DASHBOARD = reverse("scrutiny_dashboard", args=[SLUG])
EXCEPTIONS = reverse("scrutiny_exceptions", args=[SLUG])


def counts(summary) -> dict[str, int]:
    return {c.status: c.count for c in summary.status_counts}


def test_it_counts_each_prioritys_actions_by_status_as_at_the_end_of_the_quarter(
    client, councillor, known_quarter
):
    """A councillor must see what was true at the quarter's end, not what changed after it."""
    client.force_login(councillor)
    response = client.get(DASHBOARD, {"period": Q2.key})
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    p1, p2 = dashboard.priorities[0], dashboard.priorities[1]
    assert counts(p1) == {
        "off_track": 1,
        "at_risk": 1,
        "on_track": 1,
        "completed": 1,
        "not_started": 0,
        "no_update": 2,  # the hot-spot map, and the events reported at risk only in October
    }
    assert len(p1.actions) == 6  # the action retired in June is left out
    assert p1.overdue_count == 2
    assert counts(p2)["not_started"] == 1 and p2.overdue_count == 0
    assert dashboard.overdue_count == 2
    assert [len(p.actions) for p in dashboard.priorities] == [6, 1, 0, 0, 0]


def test_it_writes_each_status_in_words_as_well_as_colour(client, councillor, known_quarter):
    """Colour alone fails people who cannot tell red from green (WCAG 1.4.1)."""
    client.force_login(councillor)
    html = client.get(DASHBOARD, {"period": Q2.key}).content.decode()
    assert '<strong class="govuk-tag app-rag--red">Off track</strong>' in html
    assert '<strong class="govuk-tag app-rag--amber">At risk</strong>' in html
    assert '<strong class="govuk-tag app-rag--green">On track</strong>' in html
    assert '<strong class="govuk-tag app-rag--red">Outside tolerance</strong>' in html
    assert '<strong class="govuk-tag app-rag--grey">No target set</strong>' in html


def test_it_shows_each_indicators_latest_value_target_status_and_trend(
    client, councillor, known_quarter
):
    """A figure submitted for a later quarter must not change this quarter's picture."""
    client.force_login(councillor)
    dashboard = client.get(DASHBOARD, {"period": Q2.key}).context["dashboard"]
    rows = {
        s.name: (s.latest.shown, s.target, s.status, s.trend, len(s.points))
        for s in dashboard.series
    }
    assert rows == {
        "Number of violence with injury offences": (
            "115",
            "100",
            "Outside tolerance",
            "Worse than the period before",
            2,
        ),
        "Percentage of victims who feel safer after support": (
            "82",
            "80",
            "Within target",
            "Worse for two periods running",
            4,
        ),
        "Number of shoplifting offences in each borough (Dartford)": (
            "45",
            "50",
            "Within target",
            "Worse than the period before",
            2,
        ),
        "Number of shoplifting offences in each borough (Gravesham)": (
            "52",
            "50",
            "Within tolerance",
            "Better than the period before",
            2,
        ),
        "Number of domestic abuse reports to police": (
            "1,320",
            "Not set",
            "No target set",
            "Up on the period before",
            2,
        ),
    }
    assert dashboard.outside_tolerance_count == 1
    assert dashboard.worsening_count == 1


def test_it_draws_each_trend_as_an_svg_with_a_title_a_description_and_a_table(
    client, councillor, known_quarter
):
    """A chart is an image to a screen reader: it needs a name, and its numbers in a table."""
    client.force_login(councillor)
    html = unescape(client.get(DASHBOARD, {"period": Q2.key}).content.decode())
    safer = known_quarter["safer"].pk
    assert f'aria-labelledby="trend-{safer}-all-title trend-{safer}-all-desc"' in html
    assert 'role="img"' in html
    assert (
        f'<desc id="trend-{safer}-all-desc">2024-25 Q3: 90; 2024-25 Q4: 86; 2025-26 Q1: 84; '
        "2025-26 Q2: 82. Target 80 (dashed line).</desc>" in html
    )
    assert "Figures behind the Priority 1 charts" in html


def test_it_puts_the_figures_behind_the_charts_in_a_row_for_each_chart(
    client, councillor, known_quarter
):
    """A reader reads across a row as along the line: a column for each period, then the target."""
    client.force_login(councillor)
    html = client.get(DASHBOARD, {"period": Q2.key}).content.decode()
    tables = tables_by_id(html)
    assert tables["table-priority-1-figures-quarterly"] == [
        ["Indicator", "2024-25 Q3", "2024-25 Q4", "2025-26 Q1", "2025-26 Q2", "Target"],
        ["Number of violence with injury offences", "None", "None", "95", "115", "100"],
        ["Percentage of victims who feel safer after support", "90", "86", "84", "82", "80"],
        [
            "Number of shoplifting offences in each borough (Dartford)",
            "None",
            "None",
            "40",
            "45",
            "50",
        ],
        [
            "Number of shoplifting offences in each borough (Gravesham)",
            "None",
            "None",
            "70",
            "52",
            "50",
        ],
    ]
    assert tables["table-priority-2-figures-quarterly"] == [
        ["Indicator", "2025-26 Q1", "2025-26 Q2", "Target"],
        ["Number of domestic abuse reports to police", "300", "1,320", "Not set"],
    ]
    assert "Priority 1 figures behind the charts" in html
    assert f"{reverse('scrutiny_report_xlsx', args=[SLUG])}?period={Q2.key}" in html


def test_it_gives_monthly_figures_a_table_of_their_own(client, councillor, officer, known_quarter):
    """Months and quarters in one table would leave most of its cells empty."""
    priority = Priority.objects.get(strategy__slug=SLUG, number=1)
    monthly = Indicator.objects.create(
        priority=priority, order=99, text="Knife crime offences", frequency="monthly"
    )
    for month, value in [(7, 12), (8, 9), (9, 14)]:
        IndicatorValue.objects.create(
            indicator=monthly,
            period_start=dt.date(2025, month, 1),
            value=value,
            submitted_by=officer,
        )
    client.force_login(councillor)
    tables = tables_by_id(client.get(DASHBOARD, {"period": Q2.key}).content.decode())
    assert tables["table-priority-1-figures-monthly"] == [
        ["Indicator", "July 2025", "August 2025", "September 2025", "Target"],
        ["Knife crime offences", "12", "9", "14", "Not set"],
    ]
    assert len(tables["table-priority-1-figures-quarterly"]) == 5
    html = client.get(DASHBOARD, {"period": Q2.key}).content.decode()
    assert "Priority 1 monthly figures behind the charts" in html
    assert "Priority 1 quarterly figures behind the charts" in html


def test_it_filters_indicators_by_area(client, councillor, known_quarter):
    """A borough's councillors ask about their own borough; partnership-wide figures stay."""
    client.force_login(councillor)
    dashboard = client.get(DASHBOARD, {"period": Q2.key, "area": "E07000107"}).context["dashboard"]
    names = [s.name for s in dashboard.series]
    assert "Number of shoplifting offences in each borough (Dartford)" in names
    assert "Number of shoplifting offences in each borough (Gravesham)" not in names
    assert "Number of violence with injury offences" in names


def test_it_reads_a_later_quarter_with_later_figures(client, councillor, known_quarter):
    """Each quarter's page counts what happened by its end, so Q3 picks up October."""
    client.force_login(councillor)
    dashboard = client.get(DASHBOARD, {"period": "2025-26-q3"}).context["dashboard"]
    assert counts(dashboard.priorities[0])["at_risk"] == 2
    violence = next(s for s in dashboard.series if s.indicator.pk == known_quarter["violence"].pk)
    assert violence.latest.shown == "130"


def test_it_explains_an_unknown_period_and_shows_the_default(client, councillor, known_quarter):
    """A mistyped address should not be an error page."""
    client.force_login(councillor)
    response = client.get(DASHBOARD, {"period": "1999-00-q9"})
    assert response.status_code == 200
    assert "Select a reporting period from the list" in response.content.decode()


def test_it_is_a_404_for_people_outside_the_partnership(client, outsider, known_quarter):
    """Working data is the partnership's own: others must not learn it exists."""
    client.force_login(outsider)
    assert client.get(DASHBOARD).status_code == 404
    assert client.get(EXCEPTIONS).status_code == 404
    assert client.get(reverse("scrutiny_report", args=[SLUG])).status_code == 404


def test_it_sends_people_who_are_not_signed_in_to_sign_in(client, known_quarter):
    """Members' pages start with signing in, as every other members' page does."""
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_lists_the_exceptions_with_their_latest_commentary_and_a_link(
    client, councillor, known_quarter
):
    """The committee's list: what is wrong, why, what the officer last said, and where to look."""
    client.force_login(councillor)
    response = client.get(EXCEPTIONS, {"period": Q2.key})
    rows = [
        (e.kind, e.title, [w for w, _ in e.reasons], e.commentary, e.url)
        for e in response.context["dashboard"].exceptions
    ]
    k = known_quarter
    assert rows == [
        (
            "Action",
            "Licensing visits to town-centre premises",
            ["At risk"],
            "Two licensing officers are on long-term leave.",
            f"/actions/{k['licensing'].pk}/",
        ),
        (
            "Action",
            "Prolific shoplifter scheme with DTAC",
            ["Off track", "Overdue: due 30 June 2025"],
            "The funding bid was refused.",
            f"/actions/{k['prolific'].pk}/",
        ),
        (
            "Action",
            "Map violence hot spots with the Violence Reduction Unit",
            ["Overdue: due 1 September 2025"],
            "",
            f"/actions/{k['hotspots'].pk}/",
        ),
        (
            "Indicator",
            "Number of violence with injury offences",
            ["Outside tolerance"],
            "Summer night-time economy peak.",
            f"/indicators/{k['violence'].pk}/",
        ),
        (
            "Indicator",
            "Percentage of victims who feel safer after support",
            ["Worse for two periods running"],
            "Fewer referrals from the police this quarter.",
            f"/indicators/{k['safer'].pk}/",
        ),
    ]
    html = unescape(response.content.decode())
    assert "5 exceptions" in html
    assert f'<a class="govuk-link" href="/actions/{k["prolific"].pk}/">' in html
    assert "Off track</strong>; <strong" in html


def test_it_judges_worsening_by_the_direction_the_partnership_wants(
    strategy, officer, known_quarter
):
    """Falling figures are worsening only when higher is better."""
    safer = known_quarter["safer"]
    safer.desired_direction = "down"
    safer.save()
    dashboard = build_dashboard(strategy, Q2, user=officer, today=dt.date(2026, 1, 1))
    series = next(s for s in dashboard.series if s.indicator.pk == safer.pk)
    assert not series.worsening_twice
    assert series.trend == "Better than the period before"


def _bulk(strategy, officer, n: int) -> None:
    """n actions (each with an update) and n indicator values spread over 4 indicators."""
    priority = Priority.objects.get(strategy=strategy, number=3)
    actions = Action.objects.bulk_create(
        Action(priority=priority, order=i, text=f"Bulk action {i}", due_date=dt.date(2025, 5, 1))
        for i in range(n)
    )
    ProgressUpdate.objects.bulk_create(
        ProgressUpdate(
            action=a,
            update_date=dt.date(2025, 8, 1),
            status="at_risk",
            commentary="Bulk",
            created_by=officer,
        )
        for a in actions
    )
    indicators = [
        priority.indicators.create(order=i, text=f"Bulk indicator {i}", target=10) for i in range(4)
    ]
    IndicatorValue.objects.bulk_create(
        IndicatorValue(
            indicator=indicators[i % 4],
            period_start=dt.date(2000 + i // 16, 1 + 3 * ((i // 4) % 4), 1),
            value=i,
            submitted_by=officer,
        )
        for i in range(n)
    )


@pytest.mark.parametrize("n", [10, 1000])
def test_it_reads_the_dashboard_in_a_fixed_number_of_queries(
    client, councillor, strategy, officer, n, django_assert_max_num_queries
):
    """The Platform benchmark runs this at national scale: queries must not grow with data."""
    _bulk(strategy, officer, n)
    services.set_public_dashboard(partnership=strategy.partnership, enabled=True, user=officer)
    client.force_login(councillor)
    pages = [DASHBOARD, EXCEPTIONS, reverse("scrutiny_report", args=[SLUG])]
    for url in [*pages, reverse("scrutiny_public", args=[SLUG])]:
        # session, user, roles, strategy, areas, priorities, actions, indicators, values,
        # public switch; at most 2 + 2 for the assessment and 3 + 2 for the survey (with
        # their savepoints), whatever the number of actions and values.
        with django_assert_max_num_queries(19):
            response = client.get(url, {"period": Q2.key})
        assert response.status_code == 200
    assert len(response.context["dashboard"].priorities[2].actions) == n
