"""The published assessment figures load word for word with their sources, and safely."""

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from assessments.models import Assessment, Figure, KeyFinding, Measure
from assessments.seed import SeedError, load_assessment_seed, normalise
from assessments.tests.conftest import seed_dir

SOURCES = seed_dir() / "sources"

# (assessment, measure, area or geography, value, change %, comparison) straight from the issue.
EXPECTED = [
    ("dartford-2023-24", "total-recorded-crime", "", "12066", "-2.2", None),
    ("dartford-2023-24", "violent-crime-share", "", "39.6", None, None),
    ("dartford-2023-24", "asb-incidents", "", "1618", "-6.1", None),
    ("dartford-2023-24", "domestic-abuse-crimes", "", None, "-14.6", None),
    ("dartford-2023-24", "vawg-offences", "", None, "-5.6", None),
    ("dartford-2023-24", "hate-related-incidents", "", None, "-18.4", None),
    ("dartford-2023-24", "grassland-fires", "", None, "-28", None),
    ("dartford-2023-24", "share-of-crime-at-bluewater", "", "13.3", None, "11.6"),
    ("dartford-2023-24", "crime-rate-rank", "", "3", None, None),
    ("dartford-2023-24", "population", "", "120700", None, None),
    ("dartford-2023-24", "urban-population-share", "", "88", None, None),
    ("dartford-2023-24", "ethnic-minority-share", "", "32.7", None, None),
    ("dartford-2023-24", "ethnic-minority-share", "Kent (county average)", "16.8", None, None),
    ("dartford-2023-24", "unemployment-rate", "", "3.4", None, None),
    ("dartford-2023-24", "unemployment-rate", "Kent (county average)", "3.6", None, None),
    ("dartford-2023-24", "unemployment-rate", "National average", "4.3", None, None),
    ("dartford-2023-24", "deprivation-rank", "", "6", None, None),
    ("dartford-2023-24", "deprivation-rank", "", "145", None, None),
    ("dartford-2023-24", "population-growth-forecast", "", "25.4", None, None),
    (
        "dartford-2023-24",
        "population-growth-forecast",
        "Kent (county average)",
        "20.1",
        None,
        None,
    ),
    ("dartford-gravesham-2017-18", "asb-incidents", "E07000107", None, "-26.7", None),
    ("dartford-gravesham-2017-18", "asb-incidents", "E07000109", None, "-22.3", None),
    ("dartford-gravesham-2017-18", "violent-crime-share", "E07000107", "40", None, None),
    ("dartford-gravesham-2017-18", "violent-crime-share", "E07000109", "40", None, None),
    (
        "dartford-gravesham-2017-18",
        "iom-cohort-serious-acquisitive-crime-share",
        "",
        "64.1",
        None,
        None,
    ),
]

KEY_FINDINGS_2023_24 = [
    "The top 3 crimes reported in Dartford match that of the top 3 most reported crimes Kent wide – Violence against the person, Theft offences and Criminal damage.",
    "The top 4 hate crimes reported in Dartford match the top 4 most reported hate crimes Kent wide – Violence against the person, public order offences, Criminal damage and other crimes against society.",
    "Of crimes recorded across Kent and Medway, Dartford ranks third highest rate per 1,000 population.",
    "Violent crime accounts for the greatest proportion of total crime in Dartford. This equated to 39.6% of all crime in the borough.",
    "In Dartford, ASB incidents recorded in the last 12-month period have decreased -6.1% compared with the previous 12 months.",
    "Kent Police recorded a 14.6% reduction in Domestic Abuse crimes in Dartford",
    "Violence against the person is the most reported area; this is in line with the rest of the county.",
    "Bluewater crime now accounts for a higher proportion of Dartford’s total at 13.3% compared to 11.6% the previous year.",
]

# How each value is written in its sentence, where the plain number is not how it reads.
WRITTEN = {"12066": "12,066", "1618": "1,618", "120700": "120,700", "3": "third", "6": "sixth"}


def as_written(value: Decimal | None) -> str | None:
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return WRITTEN.get(text, text)


def find(slug, measure, where, value) -> Figure:
    figures = Figure.objects.filter(assessment__slug=slug, measure__key=measure)
    if where.startswith("E0"):
        figures = figures.filter(area__gss_code=where)
    else:
        figures = figures.filter(geography=where, area=None)
    if value is not None:
        figures = figures.filter(value=Decimal(value))
    assert figures.count() == 1, (slug, measure, where, value)
    return figures.get()


@pytest.mark.parametrize(("slug", "measure", "where", "value", "change", "comparison"), EXPECTED)
def test_it_loads_each_figure_with_its_value(
    assessment_seed, slug, measure, where, value, change, comparison
):
    figure = find(slug, measure, where, value)
    assert figure.value == (Decimal(value) if value else None)
    assert figure.change_percent == (Decimal(change) if change else None)
    assert figure.comparison_value == (Decimal(comparison) if comparison else None)


@pytest.mark.parametrize(("slug", "measure", "where", "value", "change", "comparison"), EXPECTED)
def test_it_keeps_each_figures_sentence_from_its_document(
    assessment_seed, slug, measure, where, value, change, comparison
):
    figure = find(slug, measure, where, value)
    source = normalise((SOURCES / figure.assessment.source_document).read_text(encoding="utf-8"))
    assert figure.source_sentence in source
    for number in (as_written(figure.value), as_written(figure.comparison_value)):
        if number is not None:
            assert number in figure.source_sentence, (number, figure.source_sentence)
    if figure.change_percent is not None:
        assert f"{as_written(abs(figure.change_percent))}%" in figure.source_sentence


def test_it_loads_every_figure_listed_and_no_others(assessment_seed):
    assert Figure.objects.count() == len(EXPECTED)


def test_it_keeps_the_2023_24_key_findings_word_for_word_in_order(assessment_seed):
    texts = list(
        KeyFinding.objects.filter(assessment__slug="dartford-2023-24").values_list(
            "text", flat=True
        )
    )
    assert texts == KEY_FINDINGS_2023_24
    source = normalise((SOURCES / "dartford-csp-strategy-2025-2028.txt").read_text("utf-8"))
    assert all(text in source for text in texts)


def test_it_publishes_both_assessments_for_their_partnerships(assessment_seed):
    periods = {
        a.slug: (a.partnership.key, str(a.period_start), str(a.period_end), a.status)
        for a in Assessment.objects.select_related("partnership")
    }
    assert periods == {
        "dartford-2023-24": ("dartford", "2023-10-01", "2024-09-30", "published"),
        "dartford-gravesham-2017-18": (
            "dartford-gravesham",
            "2017-10-01",
            "2018-09-30",
            "published",
        ),
    }


def test_it_names_sources_and_qualifiers(assessment_seed):
    crime = find("dartford-2023-24", "total-recorded-crime", "", "12066")
    assert crime.source_organisation.key == "kent-police"
    fires = Figure.objects.get(measure__key="grassland-fires")
    assert fires.source_organisation.key == "kent-fire-rescue"
    over = find("dartford-gravesham-2017-18", "violent-crime-share", "E07000107", "40")
    assert over.value_qualifier == "over"
    rank = find("dartford-2023-24", "deprivation-rank", "", "145")
    assert rank.out_of == 317


def counts():
    return {m.__name__: m.objects.count() for m in (Assessment, KeyFinding, Measure, Figure)}


def test_running_the_loader_twice_changes_nothing(assessment_seed):
    before = counts()
    report = load_assessment_seed(seed_dir())
    assert report.changed == 0
    assert counts() == before


@pytest.fixture
def seed_copy(tmp_path) -> Path:
    shutil.copytree(seed_dir(), tmp_path / "seed")
    return tmp_path / "seed"


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_an_edited_file_updates_in_place(seeded, seed_copy):
    load_assessment_seed(seed_copy)
    file = seed_copy / "assessments" / "dartford-2023-24.yaml"
    edit(file, lambda d: d["figures"][0].update(note="Checked against the assessment."))
    report = load_assessment_seed(seed_copy)
    assert report.changed == 1
    assert Figure.objects.filter(note="Checked against the assessment.").count() == 1


@pytest.mark.parametrize(
    ("change", "entry", "reason"),
    [
        (lambda d: d["figures"][0].update(value="lots"), "figures[0].value", "expected a number"),
        (
            lambda d: d["figures"][1].update(source_sentence="Violent crime is 40.0%."),
            "figures[1].source_sentence",
            "does not appear word for word",
        ),
        (lambda d: d["figures"][2].update(measure="nope"), "figures[2].measure", "not in"),
        (lambda d: d.update(partnership="swale"), "partnership", "is not loaded"),
        (
            lambda d: d["figures"][3].pop("change_percent"),
            "figures[3]",
            "needs a value, a change_percent or both",
        ),
        (
            lambda d: d["key_findings"].append("Crime fell by half."),
            "key_findings[8]",
            "does not appear word for word",
        ),
    ],
)
def test_a_malformed_file_names_the_entry_and_writes_nothing(
    seeded, seed_copy, change, entry, reason
):
    edit(seed_copy / "assessments" / "dartford-2023-24.yaml", change)
    with pytest.raises(SeedError) as caught:
        load_assessment_seed(seed_copy)
    assert caught.value.entry == entry
    assert reason in caught.value.reason
    assert "dartford-2023-24.yaml" in caught.value.file
    assert counts() == {"Assessment": 0, "KeyFinding": 0, "Measure": 0, "Figure": 0}


def test_a_bad_file_after_a_good_load_leaves_the_data_as_it_was(seeded, seed_copy):
    load_assessment_seed(seed_copy)
    before = counts()
    edit(
        seed_copy / "assessments" / "dartford-gravesham-2017-18.yaml",
        lambda d: d["figures"][0].update(area="E99999999"),
    )
    edit(seed_copy / "assessments" / "dartford-2023-24.yaml", lambda d: d.update(title="Changed"))
    with pytest.raises(SeedError):
        load_assessment_seed(seed_copy)
    assert counts() == before
    assert not Assessment.objects.filter(title="Changed").exists()
