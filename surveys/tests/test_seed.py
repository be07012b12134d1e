"""Both published surveys load completely and word for word, and the loader is safe to rerun."""

import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from priorities.seed import SeedError
from surveys.analysis import Figure, distribution
from surveys.models import AnswerOption, PublishedResult, Question, Section, Survey
from surveys.seed import load_survey_seed

from .conftest import SURVEY_2019, SURVEY_2025

SEED_DIR = Path(settings.SEED_DATA_DIR)
SOURCES = SEED_DIR / "sources"
SOURCE_2025 = SOURCES / "dartford-csp-strategy-2025-2028.txt"
SOURCE_2019 = SOURCES / "dartford-gravesham-csp-strategy-2019-2022.txt"
SECTIONS_2025 = [
    "Violent Crime",
    "Property Crime",
    "Town Centre Safety",
    "Anti-Social Behaviour / Environmental Crime",
    "Substance Misuse",
]


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def source_items_2025() -> list[tuple[str, str, list[tuple[str, int]]]]:
    """(section, item, [(answer, percent)…]) read straight from the published text."""
    text = SOURCE_2025.read_text(encoding="utf-8")
    block = text[
        text.index("\nViolent Crime\n") : text.index("Community Safety Priorities 2025-28")
    ]
    bounds = [block.index(f"\n{title}\n") for title in SECTIONS_2025] + [len(block)]
    out = []
    for title, start, end in zip(SECTIONS_2025, bounds, bounds[1:], strict=False):
        for name, bullets in re.findall(
            r"\n([^\n•]+)\n\n((?:  • [^\n]+ \d+%\n){5})", block[start:end]
        ):
            answers = [(a, int(p)) for a, p in re.findall(r"• (.+?) (\d+)%", bullets)]
            out.append((title, normalise(name), answers))
    return out


def seeded_items(slug: str) -> list[tuple[str, str, list[tuple[str, int]]]]:
    out = []
    questions = (
        Question.objects.filter(survey__slug=slug, kind=Question.Kind.RATING)
        .select_related("section")
        .prefetch_related("options__published_results")
        .order_by("order")
    )
    for q in questions:
        answers = [(o.label, o.published_results.get().percentage) for o in q.options.all()]
        out.append((q.section.title, q.text, answers))
    return out


def test_it_loads_all_43_items_of_2025_with_their_five_published_percentages(surveys):
    """The fidelity check the issue asks for: 43 × 5 values, against the document itself."""
    expected = source_items_2025()
    assert len(expected) == 43
    assert sum(len(a) for _, _, a in expected) == 215
    assert seeded_items(SURVEY_2025) == expected


def test_it_keeps_the_2025_sections_in_document_order(surveys):
    """Sections read in the order the strategy printed them."""
    sections = Section.objects.filter(survey__slug=SURVEY_2025).order_by("order")
    assert [s.title for s in sections] == SECTIONS_2025
    assert [s.questions.count() for s in sections] == [12, 8, 7, 11, 5]
    assert sections[0].intro == (
        "We asked how much of a problem residents felt the following categories of violent "
        "crime were in their local area ."
    )


def test_it_keeps_the_scale_labels_as_published_and_records_the_standard_wording(surveys):
    """The 2025 scale says "Not a big problem": kept, with the standard wording beside it."""
    options = AnswerOption.objects.filter(question__survey__slug=SURVEY_2025)
    labels = set(options.values_list("label", flat=True))
    assert labels == {
        "Very big problem",
        "Fairly big problem",
        "Not a big problem",
        "Not a problem at all",
        "Don’t know",
    }
    not_big = options.filter(label="Not a big problem")
    assert not_big.count() == 43
    assert set(not_big.values_list("standard_label", flat=True)) == {"Not a very big problem"}
    assert options.filter(counts_as_concern=True).count() == 86
    assert set(options.filter(is_dont_know=True).values_list("label", flat=True)) == {"Don’t know"}


def test_it_keeps_items_with_the_same_name_in_two_sections_as_different_items(surveys):
    """ "Robbery" in Violent Crime and in Town Centre Safety are different questions."""
    for text, sections in [
        ("Robbery", {"Violent Crime", "Town Centre Safety"}),
        (
            "Youth related ASB",
            {"Town Centre Safety", "Anti-Social Behaviour / Environmental Crime"},
        ),
    ]:
        items = Question.objects.filter(survey__slug=SURVEY_2025, text=text)
        assert items.count() == 2
        assert {q.section.title for q in items} == sections
        assert len({q.key for q in items}) == 2
    robbery = {
        q.section.key: [r.percentage for r in PublishedResult.objects.filter(question=q)]
        for q in Question.objects.filter(survey__slug=SURVEY_2025, text="Robbery")
    }
    assert robbery == {
        "violent-crime": [29, 42, 15, 3, 12],
        "town-centre-safety": [17, 39, 19, 2, 23],
    }


def test_it_records_the_2025_fieldwork_and_163_responses(surveys):
    """The survey's facts are part of its evidence; 2025 published no per-item base."""
    survey = surveys["2025"]
    assert str(survey.fieldwork_start) == "2025-01-31"
    assert str(survey.fieldwork_end) == "2025-03-02"
    assert survey.respondents == 163
    assert survey.partnership.key == "dartford"
    assert survey.strategy.slug == "dartford-2025-2028"
    assert survey.status == Survey.Status.PUBLISHED
    assert PublishedResult.objects.filter(question__survey=survey, base__isnull=False).count() == 0


def test_it_gives_every_2025_row_sum_between_99_and_102_as_published(surveys):
    """Rounded percentages are kept as published; their sum shows the rounding."""
    sums = []
    for q in Question.objects.filter(survey=surveys["2025"]).prefetch_related("published_results"):
        figures = [
            Figure(label=r.option.label, percentage=r.percentage, places=r.percentage_places)
            for r in q.published_results.select_related("option")
        ]
        sums.append(distribution(figures).row_sum)
    assert len(sums) == 43
    assert all(Decimal(99) <= s <= Decimal(102) for s in sums)
    assert {int(s) for s in sums} == {99, 100, 101, 102}


def source_choices_2019() -> dict:
    """Most important issue and top 3 within each category, read from the published text."""
    text = SOURCE_2019.read_text(encoding="utf-8")
    block = text[text.index("Most Important Issue Top 3") : text.index("Breakdown of respondents")]
    out = {}
    for chunk in re.split(r"\n\s*\n", block)[1:]:
        lines = [line.strip() for line in chunk.strip().splitlines()]
        if not lines or not lines[0]:
            continue
        head = re.match(
            r"(.+?) (\d+)(?: respondents)? \((\d+)%(?: of total)?\) Of (\d+) respondents", lines[0]
        )
        top3 = [re.match(r"(.+?) (?:(\d+) )?\((\d+)%\)$", line).groups() for line in lines[1:]]
        out[head.group(1)] = {
            "count": int(head.group(2)),
            "percentage": int(head.group(3)),
            "base": int(head.group(4)),
            "top3": [(a, int(c) if c else None, int(p)) for a, c, p in top3],
        }
    return out


def published(slug: str, key: str) -> list[tuple]:
    return [
        (r.option.label, r.count, r.percentage, r.base)
        for r in PublishedResult.objects.filter(question__survey__slug=slug, question__key=key)
        .select_related("option")
        .order_by("option__order")
    ]


def test_it_loads_the_2019_most_important_issue_and_top_3_as_published(surveys):
    """Every 2019 choice figure, checked against the document's own text."""
    expected = source_choices_2019()
    assert list(expected) == [
        "ASB",
        "Property crime",
        "Town centre safety",
        "Violence",
        "Substance misuse",
    ]
    assert published(SURVEY_2019, "most-important-issue") == [
        (label, e["count"], e["percentage"], 407) for label, e in expected.items()
    ]
    assert sum(e["count"] for e in expected.values()) == 407
    for label, e in expected.items():
        follow_up = Question.objects.get(
            survey__slug=SURVEY_2019, parent_option__label=label, kind=Question.Kind.FOLLOW_UP
        )
        assert follow_up.text == "Top 3 issues within this category"
        assert follow_up.max_choices == 3
        assert published(SURVEY_2019, follow_up.key) == [
            (a, c, p, e["base"]) for a, c, p in e["top3"]
        ]


def test_it_records_the_2019_fieldwork_and_420_respondents_by_borough(surveys):
    """The joint survey's split between the two boroughs is part of its evidence."""
    survey = surveys["2019"]
    assert (str(survey.fieldwork_start), str(survey.fieldwork_end)) == ("2019-02-18", "2019-03-03")
    assert survey.respondents == 420
    assert survey.partnership.key == "dartford-gravesham"
    assert published(SURVEY_2019, "borough") == [
        ("Gravesham", 299, Decimal("71.19"), 420),
        ("Dartford", 121, Decimal("28.81"), 420),
    ]


def test_it_flags_violence_37_of_407_published_as_10_percent_and_9_in_the_chart(surveys):
    """The brief's named quirk: both published figures kept, and flagged."""
    violence = PublishedResult.objects.get(
        question__survey__slug=SURVEY_2019,
        question__key="most-important-issue",
        option__label="Violence",
    )
    assert (violence.count, violence.base) == (37, 407)
    assert violence.percentage == 10
    assert violence.chart_percentage == 9
    assert violence.flag == PublishedResult.Flag.DISAGREES
    chart = dict(
        PublishedResult.objects.filter(question__key="most-important-issue").values_list(
            "option__label", "chart_percentage"
        )
    )
    assert chart == {
        "ASB": 40,
        "Property crime": 23,
        "Town centre safety": 20,
        "Violence": 9,
        "Substance misuse": 8,
    }


def test_it_flags_the_2019_percentages_that_were_rounded_down(surveys):
    """Every published figure is checked, so no quirk is missed."""
    flagged = {
        (r.option.label, r.flag)
        for r in PublishedResult.objects.filter(question__survey__slug=SURVEY_2019)
        .exclude(flag="")
        .select_related("option")
    }
    assert flagged == {
        ("Violence", "disagrees"),
        ("Noisy/rowdy behaviour", "rounded_down"),  # 61 of 154 = 39.6%, published 39%
        ("Theft of motor vehicles", "rounded_down"),  # 49 of 85 = 57.6%, published 57%
        ("Violence in the evening/NTE", "rounded_down"),  # 43 of 71 = 60.6%, published 60%
        ("Cannabis use", "no_count"),
    }


def test_it_keeps_cannabis_use_without_a_count_and_its_published_45_percent(surveys):
    """A missing count stays missing rather than being made up from the percentage."""
    cannabis = PublishedResult.objects.get(option__label="Cannabis use")
    assert cannabis.count is None
    assert cannabis.percentage == 45
    assert cannabis.base == 29


def test_it_reads_the_oddly_laid_out_2019_demographics_table(surveys):
    """The PDF extraction interleaves three column pairs; each column adds up to 100%."""
    expected = {
        "age": [
            ("18-24", "3.5"),
            ("25-34", "9.0"),
            ("35-44", "14.5"),
            ("45-54", "27.0"),
            ("55-64", "27.0"),
            ("65+", "17.0"),
            ("Not provided", "2.0"),
        ],
        "ethnicity": [
            ("White British", "88.0"),
            ("White Irish", "2.5"),
            ("White Other", "3.0"),
            ("White and Black African", "1.0"),
            ("Any other mixed background", "0.25"),
            ("Indian", "1.0"),
            ("Bangladeshi", "0.5"),
            ("Chinese", "0.25"),
            ("Caribbean", "0.25"),
            ("Other", "0.25"),
            ("Not provided", "3.0"),
        ],
        "gender": [
            ("Male", "30.5"),
            ("Female", "66.5"),
            ("Transgender", "0.25"),
            ("Not provided", "2.75"),
        ],
    }
    source = normalise(SOURCE_2019.read_text(encoding="utf-8"))
    for key, rows in expected.items():
        results = list(
            PublishedResult.objects.filter(question__survey__slug=SURVEY_2019, question__key=key)
            .select_related("option")
            .order_by("option__order")
        )
        got = [(r.option.label, f"{r.percentage:.{r.percentage_places}f}") for r in results]
        assert got == rows
        assert {(r.base, r.count, r.flag) for r in results} == {(342, None, "")}
        assert sum(Decimal(p) for _, p in rows) == 100
        for label, pct in rows:
            assert f"{label} {pct}%" in source or f"{pct}%" in source


def test_it_seeds_only_text_that_occurs_in_the_published_document(surveys):
    """Word for word: item texts, answer labels, intros and description paragraphs."""
    for slug, source in [(SURVEY_2025, SOURCE_2025), (SURVEY_2019, SOURCE_2019)]:
        text = normalise(source.read_text(encoding="utf-8"))
        survey = Survey.objects.get(slug=slug)
        for para in survey.paragraphs:
            assert para in text, para
        for section in survey.sections.all():
            assert section.title in text
            assert section.intro in text
        for q in survey.questions.filter(kind=Question.Kind.RATING):
            assert q.text in text
        for option in AnswerOption.objects.filter(question__survey=survey):
            assert option.label in text, option.label
        assert survey.method in text


def test_it_loads_twice_without_changing_anything(surveys):
    """The seed runs on every deploy; it must be safe to repeat."""
    before = {
        m: m.objects.count() for m in (Survey, Section, Question, AnswerOption, PublishedResult)
    }
    report = load_survey_seed(SEED_DIR)
    assert report.changed == 0
    assert {m: m.objects.count() for m in before} == before


def test_it_names_the_file_entry_and_reason_and_changes_nothing(surveys, tmp_path):
    """A bad file stops the whole load before anything is written."""
    shutil.copytree(SEED_DIR / "surveys", tmp_path / "surveys")
    file = tmp_path / "surveys" / "dartford-2025.yaml"
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    data["title"] = "Changed title that must not be saved"
    data["sections"][1]["items"][3]["published"] = [55, 31, 10, 1]
    file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SeedError) as error:
        load_survey_seed(tmp_path)
    assert error.value.file == str(file)
    assert error.value.entry == "sections[1].items[3].published"
    assert "expected 5 percentages" in error.value.reason
    assert Survey.objects.get(slug=SURVEY_2025).title == "Dartford public opinion survey 2025"


def test_it_refuses_a_follow_up_whose_parent_answer_does_not_exist(surveys, tmp_path):
    """A typo in the seed is named with its entry, not loaded half-way."""
    shutil.copytree(SEED_DIR / "surveys", tmp_path / "surveys")
    file = tmp_path / "surveys" / "dartford-gravesham-2019.yaml"
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    data["questions"][2]["parent_option"] = "Anti-social behaviour"
    file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SeedError, match=r"questions\[2\]\.parent_option: 'Anti-social behaviour'"):
        load_survey_seed(tmp_path)
