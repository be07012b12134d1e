"""Each persona reads what they may: published strategies by anyone, drafts only by their CSP."""

from html import unescape

import pytest
from django.contrib import admin
from django.urls import reverse

from partners.models import Partnership, User
from priorities.models import Priority, Strategy

PUBLISHED = "dartford-2025-2028"
ARCHIVED = "dartford-gravesham-2019-2022"


@pytest.fixture
def draft(seeded) -> Strategy:
    """A draft 2028-2031 strategy Dartford's officers are still writing."""
    strategy = Strategy.objects.create(
        partnership=Partnership.objects.get(key="dartford"),
        slug="dartford-2028-2031",
        title="Dartford Community Safety Strategy 2028-2031 (draft)",
        start_year=2028,
        end_year=2031,
        status=Strategy.Status.DRAFT,
    )
    Priority.objects.create(strategy=strategy, number=1, title="Draft priority on knife crime")
    return strategy


def test_it_shows_both_partnerships_and_strategies_on_the_home_page(client, seeded):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "Dartford Community Safety Partnership",
        "Dartford and Gravesham Community Safety Partnership",
        "Dartford Community Safety Strategy 2025-2028",
        "Dartford and Gravesham Community Safety Strategy 2019-2022",
    ]:
        assert text in html


def test_it_lists_a_national_host_twenty_partnerships_a_page_with_yours_first(
    client, national_host, councillor, django_assert_max_num_queries
):
    national_host(45)
    client.force_login(councillor)
    client.get(reverse("home"))
    with django_assert_max_num_queries(10):
        first = client.get(reverse("home")).content.decode()
    # The councillor's own partnership leads, marked, before the nationals in name order.
    assert first.index("Your partnership") < first.index("National 000 CSP")
    assert first.count('<tr class="govuk-table__row" id="partnership-') == 20
    assert "47 partnerships, yours first. Page 1 of 3." in unescape(first)
    last = client.get(reverse("home"), {"page": 3}).content.decode()
    assert last.count('<tr class="govuk-table__row" id="partnership-') == 7
    assert "National 044 CSP" in last and "National 000 CSP" not in last


def test_it_finds_a_partnership_by_name_or_area(client, national_host):
    national_host(6)
    found = unescape(client.get(reverse("home"), {"q": "gravesham"}).content.decode())
    assert "Dartford and Gravesham Community Safety Partnership" in found
    assert "National 001 CSP" not in found
    assert "partnership found for “gravesham”" in found or "partnerships found for" in found
    nothing = unescape(client.get(reverse("home"), {"q": "nowhere"}).content.decode())
    assert "No partnership’s name or areas match “nowhere”." in nothing


def test_it_lets_anyone_read_a_published_strategy_priority_by_priority(client, seeded):
    response = client.get(reverse("strategy_detail", args=[PUBLISHED]))
    assert response.status_code == 200
    html = unescape(response.content.decode())
    titles = list(
        Priority.objects.filter(strategy__slug=PUBLISHED)
        .order_by("number")
        .values_list("title", flat=True)
    )
    positions = [html.index(f"Priority {n}: {t}") for n, t in enumerate(titles, start=1)]
    assert positions == sorted(positions)
    assert "There are 120,700 people living in Dartford." in html


def test_it_shows_the_2019_actions_indicators_successes_and_contacts(client, seeded):
    html = client.get(reverse("strategy_detail", args=[ARCHIVED])).content.decode()
    assert "Number of Prevent and Channel Referrals." in html
    assert "The first 12 months: 2019-20 – What will we do?" in html
    assert "Key partnership successes" in html
    assert "01474 369055" in html
    assert "Archived" in html


def test_it_shows_a_priority_on_its_own_page(client, seeded):
    response = client.get(reverse("priority_detail", args=[ARCHIVED, 2]))
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "Priority 2: Persistent Anti-Social Behaviour and Environmental Crime" in html
    indicators = Priority.objects.get(strategy__slug=ARCHIVED, number=2).indicators.all()
    assert len(indicators) == 11
    for indicator in indicators:
        assert f'<td class="govuk-table__cell">{indicator.text}</td>' in html
    assert reverse("priority_detail", args=[ARCHIVED, 1]) in html  # previous
    assert reverse("priority_detail", args=[ARCHIVED, 3]) in html  # next


def test_it_answers_404_for_a_priority_that_does_not_exist(client, seeded):
    assert client.get(reverse("priority_detail", args=[PUBLISHED, 9])).status_code == 404


@pytest.mark.parametrize("persona", [None, "outsider"])
def test_it_hides_a_draft_from_people_outside_its_partnership(client, draft, persona, request):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("strategy_detail", args=[draft.slug])).status_code == 404
    assert client.get(reverse("priority_detail", args=[draft.slug, 1])).status_code == 404
    assert draft.title not in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("persona", ["officer", "partner_lead", "councillor"])
def test_it_shows_a_draft_to_its_own_partnership(client, draft, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("strategy_detail", args=[draft.slug])).status_code == 200
    assert client.get(reverse("priority_detail", args=[draft.slug, 1])).status_code == 200
    assert draft.title in client.get(reverse("home")).content.decode()


def test_it_lists_organisations_with_their_contacts(client, seeded):
    html = client.get(reverse("organisation_list")).content.decode()
    assert "Kent Fire and Rescue Service" in html
    assert "01622 692121" in html
    assert "https://www.kent.fire-uk.org" in html


def test_it_signs_a_person_in_and_out(client, officer):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    response = client.post(
        reverse("login"), {"username": officer.username, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert "Sign out" in client.get(reverse("home")).content.decode()
    client.post(reverse("logout"))
    assert "Sign in" in client.get(reverse("home")).content.decode()


def test_it_explains_a_failed_sign_in(client, officer):
    response = client.post(reverse("login"), {"username": officer.username, "password": "wrong"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "<title>Error:" in html


def test_it_serves_the_accessibility_statement(client, db):
    response = client.get(reverse("accessibility"))
    assert response.status_code == 200
    assert "Accessibility statement" in response.content.decode()


def test_the_admin_opens_every_registered_model(client, seeded):
    admin_user = User.objects.create_superuser("ada", "ada@example.org", "correct-horse-battery")
    client.force_login(admin_user)
    for model in admin.site._registry:
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url


def test_the_strategy_page_uses_a_fixed_number_of_queries(
    client, seeded, django_assert_max_num_queries
):
    with django_assert_max_num_queries(15):
        client.get(reverse("strategy_detail", args=[ARCHIVED]))
    with django_assert_max_num_queries(15):
        client.get(reverse("strategy_detail", args=[PUBLISHED]))
