"""Officers' pages for places and the crime-type mapping: who may, what is checked, history."""

import pytest
from django.urls import reverse

from assessments.models import CrimeTypeMapping, Place
from audit.services import history_of

BLUEWATER = {
    "name": "Bluewater",
    "lsoa_codes": "E01024148, e01024172\nE01024148",
    "min_longitude": "0.26",
    "max_longitude": "0.28",
    "min_latitude": "51.43",
    "max_latitude": "51.45",
}


@pytest.fixture
def bluewater(dartford):
    return Place.objects.create(partnership=dartford, name="Bluewater", lsoa_codes=["E01024148"])


def test_it_lets_an_officer_add_a_place_and_records_it(client, officer, dartford):
    client.force_login(officer)
    assert client.get(reverse("assessment_place_new")).status_code == 200
    response = client.post(
        reverse("assessment_place_new"), {**BLUEWATER, "partnership": dartford.pk}
    )
    assert response.status_code == 302
    place = Place.objects.get(name="Bluewater")
    assert place.lsoa_codes == ["E01024148", "E01024172"] and place.has_box
    entry = history_of(place).get(event="create")
    assert entry.user == officer and entry.changes["name"] == "Bluewater"
    page = client.get(reverse("assessment_place_list")).content.decode()
    assert "Bluewater" in page and "E01024148, E01024172" in page


def test_it_lets_an_officer_change_a_place_and_keeps_the_history(client, officer, bluewater):
    client.force_login(officer)
    url = reverse("assessment_place_edit", args=[bluewater.pk])
    assert "E01024148" in client.get(url).content.decode()
    response = client.post(
        url, {"name": "Bluewater centre", "lsoa_codes": "E01024172", "version": 1}
    )
    assert response.status_code == 302
    bluewater.refresh_from_db()
    assert (bluewater.name, bluewater.lsoa_codes, bluewater.version) == (
        "Bluewater centre",
        ["E01024172"],
        2,
    )
    entry = history_of(bluewater).get(event="update")
    assert entry.changes["name"] == ["Bluewater", "Bluewater centre"]


def test_a_second_officers_place_save_never_overwrites_the_first(client, officer, bluewater):
    client.force_login(officer)
    url = reverse("assessment_place_edit", args=[bluewater.pk])
    client.post(url, {"name": "First save", "lsoa_codes": "E01024148", "version": 1})
    response = client.post(url, {"name": "Second save", "lsoa_codes": "E01024148", "version": 1})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else changed this while you were editing" in page
    assert 'value="Second save"' in page  # their own text is still in the form
    bluewater.refresh_from_db()
    assert bluewater.name == "First save"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"name": "X", "lsoa_codes": ""}, "lsoa_codes", "Enter LSOA codes, a box, or both"),
        ({"name": "X", "lsoa_codes": "DA1 1DR"}, "lsoa_codes", "is not an LSOA code"),
        ({"name": "X", "min_longitude": "0.2"}, "max_longitude", "Enter all four edges"),
        (
            {**BLUEWATER, "name": "X", "min_longitude": "0.3"},
            "max_longitude",
            "east of the west edge",
        ),
        ({**BLUEWATER, "name": "X", "max_latitude": "north"}, "max_latitude", "as a number"),
        ({**BLUEWATER, "name": "bluewater"}, "name", "already has a place called"),
        ({**BLUEWATER, "name": ""}, "name", "Enter a name"),
    ],
)
def test_it_explains_what_is_wrong_with_a_place(
    client, officer, dartford, bluewater, values, field, message
):
    client.force_login(officer)
    response = client.post(reverse("assessment_place_new"), {**values, "partnership": dartford.pk})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert f'href="#id_{field}"' in response.content.decode()  # the GOV.UK error summary
    assert Place.objects.count() == 1


@pytest.mark.parametrize("persona", ["partner_lead", "councillor"])
def test_only_officers_manage_places_and_the_mapping(client, request, persona, bluewater):
    client.force_login(request.getfixturevalue(persona))
    for url in (
        reverse("assessment_place_list"),
        reverse("assessment_place_edit", args=[bluewater.pk]),
        reverse("assessment_mapping_list"),
        reverse("assessment_mapping_new"),
    ):
        assert client.get(url).status_code == 403, url


def test_another_partnerships_officer_cannot_see_or_change_a_place(client, outsider, bluewater):
    client.force_login(outsider)
    assert "Bluewater" not in client.get(reverse("assessment_place_list")).content.decode()
    url = reverse("assessment_place_edit", args=[bluewater.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "Mine", "lsoa_codes": "E01024148"}).status_code == 404


def test_it_lets_an_officer_add_and_change_mapping_lines(client, officer):
    client.force_login(officer)
    assert "Theft offences" in client.get(reverse("assessment_mapping_list")).content.decode()
    response = client.post(
        reverse("assessment_mapping_new"),
        {
            "crime_type": "Bicycle theft",
            "offence_group": "Theft offences",
            "offence_subgroup": "Theft of pedal cycles",
        },
    )
    assert response.status_code == 302
    line = CrimeTypeMapping.objects.get(
        crime_type="Bicycle theft", offence_subgroup="Theft of pedal cycles"
    )
    url = reverse("assessment_mapping_edit", args=[line.pk])
    response = client.post(
        url,
        {
            "crime_type": "Bicycle theft",
            "offence_group": "Theft offences",
            "offence_subgroup": "Theft of cycles",
            "version": 1,
        },
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.offence_subgroup, line.version) == ("Theft of cycles", 2)
    events = history_of(line).values_list("event", flat=True)
    assert sorted(events) == ["create", "update"]
    stale = client.post(
        url,
        {
            "crime_type": "Bicycle theft",
            "offence_group": "Theft offences",
            "offence_subgroup": "Older",
            "version": 1,
        },
    )
    assert stale.status_code == 409


def test_it_refuses_a_mapping_line_that_already_exists(client, officer):
    client.force_login(officer)
    existing = CrimeTypeMapping.objects.first()
    response = client.post(
        reverse("assessment_mapping_new"),
        {
            "crime_type": existing.crime_type,
            "offence_group": existing.offence_group.upper(),
            "offence_subgroup": existing.offence_subgroup,
        },
    )
    assert response.status_code == 200
    assert "already mapped" in response.content.decode()
