"""Sessions read in the version's statement, and that statement as the connection's health check.

Both only happen on PostgreSQL (SQLite has no data version); there every test here runs against
Django's own database sessions and asks the same of them.
"""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from platform_ops import data_version

PAGE = reverse("scrutiny_index")  # any page that needs sign-in
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="The session is read with PostgreSQL's data version (set DATABASE_URL)",
)


def signed_out(response) -> bool:
    return response.status_code == 302 and reverse("login") in response["Location"]


@postgres_only
def test_it_reads_the_session_and_the_version_in_one_statement(client, councillor):
    client.force_login(councillor)
    client.get(PAGE)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(PAGE).status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    with_session = [q for q in sql if "django_session" in q]
    assert len(with_session) == 1 and "platform_ops_datachange" in with_session[0]
    assert sum("platform_ops_datachange" in q for q in sql) == 1


def test_a_session_ended_elsewhere_is_ended_on_the_next_request(client, councillor):
    """Signing out on one app server deletes the row; every server must see it at once."""
    client.force_login(councillor)
    assert client.get(PAGE).status_code == 200
    Session.objects.all().delete()
    assert signed_out(client.get(PAGE))


def test_an_expired_session_is_no_session(client, councillor):
    client.force_login(councillor)
    assert client.get(PAGE).status_code == 200
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert signed_out(client.get(PAGE))


def test_what_a_request_saves_in_the_session_the_next_request_reads(client, councillor, settings):
    """The row read with the version is used once: a save in between is never undone."""
    settings.SESSION_ACTIVITY_RESOLUTION = 0  # every request writes its activity time
    client.force_login(councillor)
    client.get(PAGE)
    first = client.session["_csp_last_activity"]
    client.get(PAGE)
    assert client.session["_csp_last_activity"] > first


def test_it_hands_the_session_read_with_the_version_to_its_own_key_and_only_once():
    row = ("data", timezone.now())
    token = data_version._session_this_request.set(("a" * 32, row))
    try:
        assert data_version.session_read_with_version("b" * 32) is data_version.NO_SESSION
        assert data_version.session_read_with_version("a" * 32) == row
        assert data_version.session_read_with_version("a" * 32) is data_version.NO_SESSION
    finally:
        data_version._session_this_request.reset(token)


@postgres_only
def test_a_cookie_too_long_for_a_session_key_is_not_read_with_the_version(client, councillor):
    client.cookies["sessionid"] = "x" * 500
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PAGE)
    assert signed_out(response)
    sql = [q["sql"] for q in queries.captured_queries]
    assert not any("django_session" in q and "platform_ops_datachange" in q for q in sql)


def kill_backend(pid: int) -> None:
    """End a server process from outside, as a database restart or failover would."""
    import psycopg2

    killer = psycopg2.connect(
        dbname=connection.settings_dict["NAME"],
        user=connection.settings_dict["USER"],
        host=connection.settings_dict["HOST"],
        port=connection.settings_dict["PORT"] or 5432,
    )
    killer.autocommit = True
    with killer.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    killer.close()


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("reader", ["a signed-in person", "an API client"])
def test_a_dropped_connection_is_replaced_by_the_first_statement_without_select_1(
    client, django_user_model, monkeypatch, reader
):
    """The version read is the health check: a server restart costs no failed request, and a
    working connection is not asked `SELECT 1` before every request."""
    import datetime as dt

    from api.models import ApiToken

    person = django_user_model.objects.create_user("cllr.test", password="a-long-passphrase-26")
    if reader == "an API client":
        _, key = ApiToken.issue(
            user=person,
            name="test",
            scope="read",
            expires_at=timezone.now() + dt.timedelta(days=1),
        )
        page, headers = "/api/v1/actions/", {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    else:
        client.force_login(person)
        page, headers = reverse("home"), {}
    assert client.get(page, **headers).status_code == 200
    checks = []

    def new_request():
        """What request_started does in production (Django's test client leaves it out)."""
        connection.close_if_unusable_or_obsolete()
        return client.get(page, **headers)

    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(1) or True)

    assert new_request().status_code == 200
    assert checks == []  # no SELECT 1 on a working connection

    before = connection.connection.info.backend_pid
    kill_backend(before)
    assert new_request().status_code == 200  # the same request, on a new connection
    assert connection.connection.info.backend_pid != before
    assert checks == []
