"""Actions, progress updates and indicator returns: lost edits, history, lists and reminders."""

import datetime as dt
import threading
from decimal import Decimal
from html import unescape

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from audit.models import AuditEntry
from audit.services import history_of
from partners.models import Area, Organisation
from priorities import services
from priorities.models import Action, Indicator, IndicatorValue, Priority

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def edit_data(action: Action, **changes) -> dict:
    data = {
        "version": action.version,
        "text": action.text,
        "description": action.description,
        "lead_organisation": action.lead_organisation_id or "",
        "owner": action.owner_id or "",
    }
    data.update(changes)
    return data


def test_it_refuses_the_second_of_two_saves_and_shows_what_changed(
    client, officer, partner_lead, action
):
    first, second = client, client.__class__()
    first.force_login(officer)
    second.force_login(partner_lead)
    # Both open the edit page at version 1.
    assert first.get(reverse("action_edit", args=[action.pk])).status_code == 200
    assert second.get(reverse("action_edit", args=[action.pk])).status_code == 200
    stale = action.version
    saved = first.post(
        reverse("action_edit", args=[action.pk]), edit_data(action, description="Officer's plan")
    )
    assert saved.status_code == 302
    refused = second.post(
        reverse("action_edit", args=[action.pk]),
        {"version": stale, "description": "Police plan", "owner": action.owner_id},
    )
    assert refused.status_code == 409
    html = unescape(refused.content.decode())
    assert "Someone else changed this while you were editing" in html
    assert "Officer's plan" in html  # what the other person changed
    assert "Police plan" in html  # what this person typed is still in the form
    action.refresh_from_db()
    assert action.description == "Officer's plan"
    assert action.version == stale + 1


def test_a_stale_indicator_value_save_is_refused(client, officer, indicator_2019):
    value = services.submit_indicator_value(
        indicator=indicator_2019,
        area=None,
        period_start=dt.date(2019, 4, 1),
        value=Decimal(10),
        note="",
        user=officer,
    )
    client.force_login(officer)
    url = reverse("indicator_value_edit", args=[indicator_2019.pk, value.pk])
    post = {"period_start": "2019-04-01", "value": "11", "version": value.version}
    assert client.post(url, post).status_code == 302
    assert client.post(url, {**post, "value": "12"}).status_code == 409
    value.refresh_from_db()
    assert value.value == 11


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a real row-lock race needs PostgreSQL (CI runs it there)",
)
def test_two_threads_saving_the_same_version_exactly_one_wins(action, officer, partner_lead):
    barrier = threading.Barrier(2)
    outcomes = []

    def save(user, text):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            services.update_action(
                action=action, expected_version=1, values={"description": text}, user=user
            )
            outcomes.append(("saved", text))
        except services.EditConflict:
            outcomes.append(("conflict", text))
        finally:
            thread_connection.close()

    threads = [
        threading.Thread(target=save, args=(u, t)) for u, t in ((officer, "A"), (partner_lead, "B"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o for o, _ in outcomes) == ["conflict", "saved"]
    winner = next(t for o, t in outcomes if o == "saved")
    action.refresh_from_db()
    assert action.description == winner
    assert action.version == 2


def test_a_change_made_through_a_page_records_one_history_entry(client, officer, action):
    client.force_login(officer)
    before = history_of(action).count()
    client.post(
        reverse("action_edit", args=[action.pk]), edit_data(action, description="New description")
    )
    entries = list(history_of(action))
    assert len(entries) == before + 1
    entry = entries[0]
    assert entry.event == AuditEntry.Event.UPDATE
    assert entry.user == officer
    assert entry.changes == {"description": ["", "New description"]}
    assert (
        "New description" in client.get(reverse("action_detail", args=[action.pk])).content.decode()
    )


def test_history_cannot_be_edited_or_deleted(officer, action):
    services.update_action(
        action=action, expected_version=1, values={"description": "x"}, user=officer
    )
    entry = history_of(action).first()
    entry.changes = {}
    with pytest.raises(Exception, match="cannot be changed"):
        entry.save()
    with pytest.raises(Exception, match="cannot be deleted"):
        entry.delete()
    with pytest.raises(Exception, match="cannot be deleted"):
        AuditEntry.objects.all().delete()


def test_an_officer_adds_an_action_under_a_priority(client, officer, seeded):
    client.force_login(officer)
    priority = Priority.objects.get(strategy__slug="dartford-2025-2028", number=1)
    focus = priority.focus_items.first()
    police = Organisation.objects.get(key="kent-police")
    response = client.post(
        reverse("action_create", args=["dartford-2025-2028", 1]),
        {
            "text": "Test purchase operations with Trading Standards",
            "description": "Quarterly test purchases of knives.",
            "focus_items": [focus.pk],
            "lead_organisation": police.pk,
            "supporting_organisations": [
                Organisation.objects.get(key="dartford-borough-council").pk
            ],
            "owner": officer.pk,
            "start_date_0": "1",
            "start_date_1": "4",
            "start_date_2": "2025",
            "due_date_0": "31",
            "due_date_1": "3",
            "due_date_2": "2026",
        },
    )
    assert response.status_code == 302
    action = Action.objects.get(text="Test purchase operations with Trading Standards")
    assert action.due_date == dt.date(2026, 3, 31)
    assert list(action.focus_items.all()) == [focus]
    assert action.status == Action.Status.NO_UPDATE
    assert history_of(action).get().event == AuditEntry.Event.CREATE


def test_a_bad_action_form_names_each_field(client, officer, seeded):
    client.force_login(officer)
    response = client.post(
        reverse("action_create", args=["dartford-2025-2028", 1]),
        {"text": "", "due_date_0": "31", "due_date_1": "2", "due_date_2": "2026"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert 'href="#id_text"' in html and "Enter the action" in html
    assert "Due date must be a real date" in html
    assert not Action.objects.filter(priority__strategy__slug="dartford-2025-2028").exists()


def test_an_actions_status_is_its_latest_updates(officer, action):
    services.add_progress_update(
        action=action,
        update_date=dt.date(2026, 6, 1),
        status="on_track",
        commentary="a",
        user=officer,
    )
    services.add_progress_update(
        action=action,
        update_date=dt.date(2026, 9, 1),
        status="at_risk",
        commentary="b",
        user=officer,
    )
    # Backdated: recorded last, but older; the latest by date still wins.
    services.add_progress_update(
        action=action,
        update_date=dt.date(2026, 7, 1),
        status="completed",
        commentary="c",
        user=officer,
    )
    action.refresh_from_db()
    assert action.status == Action.Status.AT_RISK


def test_it_keeps_evidence_checked_by_content(client, officer, action, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(officer)
    url = reverse("progress_update_create", args=[action.pk])
    base = {
        "update_date_0": "1",
        "update_date_1": "10",
        "update_date_2": "2026",
        "status": "at_risk",
        "commentary": "Venue lost",
    }
    fake = SimpleUploadedFile(
        "minutes.pdf", b"this is plain text, not a PDF", content_type="application/pdf"
    )
    refused = client.post(url, {**base, "evidence": fake})
    assert "must be a PDF, Word or Excel document or an image" in refused.content.decode()
    assert action.updates.count() == 0
    big = SimpleUploadedFile(
        "big.pdf", PDF_BYTES + b"0" * (10 * 1024 * 1024), content_type="application/pdf"
    )
    assert "smaller than 10 MB" in client.post(url, {**base, "evidence": big}).content.decode()
    real = SimpleUploadedFile("minutes.txt", PDF_BYTES, content_type="text/plain")
    assert client.post(url, {**base, "evidence": real}).status_code == 302
    evidence = action.updates.get().evidence.get()
    assert evidence.content_type == "application/pdf"
    assert evidence.original_name == "minutes.txt"


@pytest.fixture
def indicator_2019(seeded, officer) -> Indicator:
    """'Number of fly-tipping incidents;' (2019-2022 P2): lower is better, target 100, 10% tolerance."""
    indicator = Indicator.objects.get(
        priority__strategy__slug="dartford-gravesham-2019-2022",
        text="Number of fly-tipping incidents;",
    )
    indicator.desired_direction = Indicator.Direction.DOWN
    indicator.target = Decimal(100)
    indicator.tolerance_percent = Decimal(10)
    indicator.save()
    # The 2019 CSP's officer works in the old partnership too.
    from partners.models import Partnership, Role

    Role.objects.create(
        user=officer, partnership=Partnership.objects.get(key="dartford-gravesham"), role="officer"
    )
    return indicator


@pytest.mark.parametrize(
    "direction, value, expected",
    [
        ("down", 90, ("Within target", "green")),
        ("down", 100, ("Within target", "green")),
        ("down", 110, ("Within tolerance", "amber")),
        ("down", 111, ("Outside tolerance", "red")),
        ("up", 100, ("Within target", "green")),
        ("up", 90, ("Within tolerance", "amber")),
        ("up", 89, ("Outside tolerance", "red")),
        ("", 50, ("No target set", "grey")),
    ],
)
def test_it_judges_a_value_by_target_tolerance_and_direction(direction, value, expected):
    indicator = Indicator(
        target=Decimal(100), tolerance_percent=Decimal(10), desired_direction=direction
    )
    assert indicator.assess(Decimal(value)) == expected


@pytest.mark.parametrize(
    "post, field, message",
    [
        ({"period_start": "2019-04-01", "value": "lots"}, "value", "Value must be a number"),
        ({"period_start": "2023-04-01", "value": "5"}, "period_start", "Select a valid choice"),
        ({"period_start": "", "value": "5"}, "period_start", "Select the period"),
        (
            {"period_start": "2019-07-01", "value": "5"},
            "period_start",
            "There is already a value for this period",
        ),
    ],
)
def test_it_refuses_bad_indicator_values_with_the_field_and_reason(
    client, officer, indicator_2019, post, field, message
):
    services.submit_indicator_value(
        indicator=indicator_2019,
        area=None,
        period_start=dt.date(2019, 7, 1),
        value=Decimal(1),
        note="",
        user=officer,
    )
    client.force_login(officer)
    response = client.post(reverse("indicator_value_create", args=[indicator_2019.pk]), post)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="#id_{field}"' in html
    assert message in unescape(html)
    assert IndicatorValue.objects.count() == 1


def test_a_per_area_indicator_needs_an_area_and_allows_one_value_per_area(
    client, officer, seeded, indicator_2019
):
    indicator = Indicator.objects.get(
        text__startswith="Number of violent offences recorded in each Borough"
    )
    assert indicator.per_area
    client.force_login(officer)
    url = reverse("indicator_value_create", args=[indicator.pk])
    assert (
        "Select the area"
        in client.post(url, {"period_start": "2019-04-01", "value": "5"}).content.decode()
    )
    for area in Area.objects.all():
        assert (
            client.post(
                url, {"period_start": "2019-04-01", "value": "5", "area": area.pk}
            ).status_code
            == 302
        )
    assert indicator.values.count() == 2
    dup = client.post(
        url, {"period_start": "2019-04-01", "value": "6", "area": Area.objects.first().pk}
    )
    assert "There is already a value for" in dup.content.decode()


def test_the_indicator_page_shows_status_in_words(client, officer, indicator_2019):
    services.submit_indicator_value(
        indicator=indicator_2019,
        area=None,
        period_start=dt.date(2019, 4, 1),
        value=Decimal(120),
        note="Spike",
        user=officer,
    )
    client.force_login(officer)
    html = client.get(reverse("indicator_detail", args=[indicator_2019.pk])).content.decode()
    assert "Outside tolerance" in html and "app-rag--red" in html
    assert "2019-20 Q1 (April to June 2019)" in html


def make_actions(priority, n, owner=None):
    police = Organisation.objects.get(key="kent-police")
    Action.objects.bulk_create(
        Action(
            priority=priority,
            order=i,
            text=f"Action {i}",
            lead_organisation=police,
            owner=owner,
            due_date=dt.date(2026, 1, 1) + dt.timedelta(days=i % 400),
        )
        for i in range(n)
    )


@pytest.mark.parametrize("n", [10, 1000])
def test_the_action_list_uses_a_fixed_number_of_queries(
    client, officer, seeded, n, django_assert_max_num_queries
):
    make_actions(
        Priority.objects.get(strategy__slug="dartford-2025-2028", number=1), n, owner=officer
    )
    client.force_login(officer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("action_list"), {"status": ["no_update"], "sort": "due_date"})
    assert response.status_code == 200
    assert f"{n} actions" in response.content.decode()


def test_the_list_filters_by_status_and_overdue(client, officer, action):
    other = Action.objects.create(
        priority=action.priority,
        order=2,
        text="Completed long ago",
        due_date=dt.date(2020, 1, 1),
        status="completed",
    )
    services.add_progress_update(
        action=action, update_date=dt.date.today(), status="at_risk", commentary="x", user=officer
    )
    Action.objects.filter(pk=action.pk).update(due_date=dt.date(2020, 1, 1))
    client.force_login(officer)
    at_risk = client.get(reverse("action_list"), {"status": "at_risk"}).content.decode()
    assert action.text in at_risk and other.text not in at_risk
    overdue = client.get(reverse("action_list"), {"overdue": "true"}).content.decode()
    assert action.text in overdue and other.text not in overdue  # completed is never overdue


def test_my_actions_shows_owned_and_organisation_led_actions(
    client, partner_lead, councillor, action
):
    client.force_login(partner_lead)  # Kent Police leads the action
    assert action.text in unescape(client.get(reverse("my_actions")).content.decode())
    client.force_login(councillor)
    assert action.text not in unescape(client.get(reverse("my_actions")).content.decode())


def test_reminders_send_one_message_per_owner_once_a_day(officer, partner_lead, action):
    officer.email, partner_lead.email = "olivia@dartford.gov.uk", "priya@kent.police.uk"
    officer.save(), partner_lead.save()
    today = dt.date(2026, 11, 22)
    Action.objects.filter(pk=action.pk).update(due_date=today - dt.timedelta(days=3))
    Action.objects.create(
        priority=action.priority,
        order=2,
        text="Due soon",
        owner=officer,
        due_date=today + dt.timedelta(days=10),
    )
    Action.objects.create(
        priority=action.priority,
        order=3,
        text="Due later",
        owner=officer,
        due_date=today + dt.timedelta(days=30),
    )
    Action.objects.create(
        priority=action.priority,
        order=4,
        text="Done",
        owner=partner_lead,
        due_date=today,
        status="completed",
    )
    call_command("send_action_reminders", f"--date={today.isoformat()}")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["olivia@dartford.gov.uk"]
    assert (
        action.text in message.body
        and "Due soon" in message.body
        and "Due later" not in message.body
    )
    assert "1 overdue and 1 due soon" in message.subject
    call_command("send_action_reminders", f"--date={today.isoformat()}")
    assert len(mail.outbox) == 1  # a second run the same day sends nothing


def test_a_retired_action_leaves_lists_but_keeps_its_history(client, officer, action):
    client.force_login(officer)
    client.post(reverse("action_retire", args=[action.pk]), {"version": action.version})
    assert action.text not in client.get(reverse("action_list")).content.decode()
    page = client.get(reverse("action_detail", args=[action.pk])).content.decode()
    assert "Retired" in page
    assert history_of(action).filter(event="update").exists()


def test_the_action_page_shows_the_history_of_its_updates_too(client, officer, action):
    services.add_progress_update(
        action=action,
        update_date=dt.date(2026, 10, 1),
        status="off_track",
        commentary="Venue fell through",
        user=officer,
    )
    client.force_login(officer)
    html = unescape(client.get(reverse("action_detail", args=[action.pk])).content.decode())
    history = html.split('id="history"')[1]
    assert "Venue fell through" in history  # the update's own creation
    assert "No update yet" in history and "Off track" in history  # the action's status change


def test_the_indicator_page_shows_the_history_of_its_values(client, officer, indicator_2019):
    value = services.submit_indicator_value(
        indicator=indicator_2019,
        area=None,
        period_start=dt.date(2019, 4, 1),
        value=Decimal(10),
        note="",
        user=officer,
    )
    services.update_indicator_value(
        indicator_value=value, expected_version=1, values={"value": Decimal(12)}, user=officer
    )
    client.force_login(officer)
    history = (
        client.get(reverse("indicator_detail", args=[indicator_2019.pk]))
        .content.decode()
        .split('id="history"')[1]
    )
    assert "10" in history and "12" in history
