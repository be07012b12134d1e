"""The signed-in person kept in memory under the data version: read once, never stale."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partners.models import User
from tests.queries import table_reads

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="The person is kept only under PostgreSQL's data version (set DATABASE_URL)",
)
PAGE = reverse("scrutiny_index")  # any page that needs sign-in


def person_reads(client) -> tuple[int, int]:
    """The response's status and how many times it read a person from the database."""
    return table_reads(client, PAGE, "partners_user")


@postgres_only
def test_it_reads_the_signed_in_person_once_per_data_version(client, councillor):
    client.force_login(councillor)
    assert person_reads(client) == (200, 1)
    assert person_reads(client) == (200, 0)


@postgres_only
def test_it_reads_the_person_again_after_any_change_to_them(client, councillor):
    client.force_login(councillor)
    person_reads(client)
    User.objects.filter(pk=councillor.pk).update(first_name="Cllr Renamed")
    html = client.get(PAGE).content.decode()
    assert "Signed in as Cllr Renamed" in html


def test_a_deactivated_person_is_signed_out_on_their_next_request(client, councillor):
    client.force_login(councillor)
    assert person_reads(client)[0] == 200
    User.objects.filter(pk=councillor.pk).update(is_active=False)  # no signal, no save()
    response = client.get(PAGE)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_new_password_signs_out_every_other_session(client, councillor):
    client.force_login(councillor)
    assert person_reads(client)[0] == 200
    councillor.set_password("a-new-long-passphrase-2026")
    councillor.save()
    response = client.get(PAGE)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_each_request_gets_its_own_person_object(client, councillor):
    client.force_login(councillor)
    first = client.get(PAGE).wsgi_request.user
    second = client.get(PAGE).wsgi_request.user
    assert first.pk == second.pk == councillor.pk
    assert first is not second


@postgres_only
def test_the_person_and_the_page_share_one_reading_of_the_version(client, councillor):
    client.force_login(councillor)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum("platform_ops_datachange" in q for q in sql) == 1
    assert not any('FROM "partners_user"' in q for q in sql)
