"""The two published strategies load completely and word for word, and the loader is safe."""

import re
import shutil
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from partners.models import Area, Membership, Organisation, Partnership
from priorities.models import (
    Action,
    Aim,
    FocusItem,
    GovernanceGroup,
    Indicator,
    KeyContact,
    PartnershipSuccess,
    Priority,
    Strategy,
    StrategySection,
)
from priorities.seed import SeedError, load_seed

SEED_DIR = Path(settings.SEED_DATA_DIR)
SOURCES = SEED_DIR / "sources"
ALL_MODELS = [
    Area,
    Organisation,
    Partnership,
    Membership,
    Strategy,
    StrategySection,
    Priority,
    FocusItem,
    Aim,
    Action,
    Indicator,
    PartnershipSuccess,
    GovernanceGroup,
    KeyContact,
]


def counts_per_priority(strategy_slug: str, related: str) -> list[int]:
    priorities = Priority.objects.filter(strategy__slug=strategy_slug).order_by("number")
    return [getattr(p, related).count() for p in priorities]


def row_counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in ALL_MODELS}


def normalise(text: str) -> str:
    """Whitespace folded, and words hyphenated across a PDF line break joined again."""
    text = re.sub(r"(\w-)\n\s*(?=\w)", r"\1", text)
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def test_it_loads_the_2025_strategy_counts(seeded):
    slug = "dartford-2025-2028"
    assert Priority.objects.filter(strategy__slug=slug).count() == 5
    assert counts_per_priority(slug, "focus_items") == [9, 4, 7, 7, 6]
    assert counts_per_priority(slug, "aims") == [5, 2, 4, 4, 2]
    assert counts_per_priority(slug, "actions") == [0, 0, 0, 0, 0]
    assert counts_per_priority(slug, "indicators") == [0, 0, 0, 0, 0]


def test_it_loads_the_2019_strategy_counts(seeded):
    slug = "dartford-gravesham-2019-2022"
    assert Priority.objects.filter(strategy__slug=slug).count() == 4
    assert counts_per_priority(slug, "focus_items") == [5, 4, 4, 6]
    assert counts_per_priority(slug, "actions") == [5, 3, 6, 11]
    assert counts_per_priority(slug, "aims") == [7, 4, 6, 3]
    assert counts_per_priority(slug, "indicators") == [6, 11, 3, 7]


def test_it_keeps_both_partnerships_with_their_areas_and_members(seeded):
    dg = Partnership.objects.get(short_name="Dartford and Gravesham CSP")
    dartford = Partnership.objects.get(short_name="Dartford CSP")
    assert sorted(dg.areas.values_list("gss_code", flat=True)) == ["E07000107", "E07000109"]
    assert list(dartford.areas.values_list("gss_code", flat=True)) == ["E07000107"]
    assert str(dartford.formed_on) == "2021-01-01"
    assert dg.dissolved_on is not None and dg.dissolved_on < dartford.formed_on
    assert dg.memberships.filter(role="statutory").count() == 8
    assert dartford.memberships.filter(role="statutory").count() == 6
    assert list(
        dartford.memberships.filter(role="supporting").values_list("organisation__name", flat=True)
    ) == ["Clarion", "Change Grow Live", "We Are With You"]
    assert dartford.memberships.get(organisation__key="icb").listed_as == (
        "Integrated Care Board (previously known as Clinical Commissioning Groups)*"
    )
    assert dg.memberships.order_by("order").first().listed_as == "Kent County Council;"


@pytest.mark.parametrize(
    "model, lookup, expected",
    [
        (
            FocusItem,
            {"priority__strategy__slug": "dartford-2025-2028", "priority__number": 1, "order": 1},
            "To work closely with our licensing teams to ensure that all licensed premises are "
            "compliant with their license conditions, and that any violence/crime is managed and "
            "reduced.",
        ),
        (
            Aim,
            {"priority__strategy__slug": "dartford-2025-2028", "priority__number": 5, "order": 2},
            "Ensure frontline staff are trained in the Prevent Duty and the referral process.",
        ),
        (
            FocusItem,
            {"priority__strategy__slug": "dartford-2025-2028", "priority__number": 3, "order": 1},
            "To continue to reduce ASB incidents by taking a holistic approach in each case "
            "looking at any underlining issues which need to be addressed.",
        ),
        (
            Action,
            {
                "priority__strategy__slug": "dartford-gravesham-2019-2022",
                "priority__number": 4,
                "order": 4,
            },
            "Work with KCC to take maximum advantage of £1.3m secured from the Government’s "
            "Supporting Families against Youth Crime Fund to help prevent young people becoming "
            "involved in gangs and youth violence;",
        ),
        (
            Indicator,
            {
                "priority__strategy__slug": "dartford-gravesham-2019-2022",
                "priority__number": 1,
                "order": 1,
            },
            "Number of domestic abuse reports to Police;",
        ),
        (
            Indicator,
            {
                "priority__strategy__slug": "dartford-gravesham-2019-2022",
                "priority__number": 2,
                "order": 4,
            },
            "Number of fly-tipping incidents;",
        ),
        (
            Aim,
            {
                "priority__strategy__slug": "dartford-gravesham-2019-2022",
                "priority__number": 1,
                "order": 7,
            },
            "Reduction in violence with injury offences within hotspot locations and night-time "
            "economy areas.",
        ),
    ],
)
def test_it_keeps_sample_items_word_for_word(seeded, model, lookup, expected):
    assert model.objects.get(**lookup).text == expected


def test_it_keeps_narrative_sections_word_for_word(seeded):
    foreword = StrategySection.objects.get(strategy__slug="dartford-2025-2028", key="foreword")
    assert foreword.heading == "Foreword"
    assert foreword.body[0]["p"].startswith(
        "The Dartford Community Safety Partnership (DCSP) has now been operating for five years"
    )
    keys_2025 = list(
        StrategySection.objects.filter(strategy__slug="dartford-2025-2028").values_list(
            "key", flat=True
        )
    )
    assert keys_2025 == [
        "foreword",
        "about",
        "profile",
        "identifying-priorities",
        "assessment",
        "public-opinion",
        "priorities-intro",
    ]
    why = Priority.objects.get(strategy__slug="dartford-2025-2028", number=3).why_paragraphs
    assert why[0].endswith("a decrease of -6.1% compared with previous 12 months.")
    assert len(why) == 3


def test_it_keeps_the_2019_successes_with_their_funding(seeded):
    funded = PartnershipSuccess.objects.exclude(funding="").order_by("order")
    assert [(s.funding, s.funding_amount) for s in funded] == [
        ("£248,242", 248242),
        ("£137,880", 137880),
    ]
    assert PartnershipSuccess.objects.values("theme").distinct().count() == 7
    assert Action.objects.filter(text__contains="£1.3m").count() == 1


def test_it_keeps_the_2019_key_contacts_and_governance(seeded):
    contacts = list(KeyContact.objects.order_by("order"))
    assert len(contacts) == 8
    police = KeyContact.objects.get(organisation__key="kent-police")
    assert police.address == "Thames Way\nNorthfleet\nGravesend\nKent DA11 8BD"
    assert police.phone == "01474 369055"
    assert police.website == "www.kent.police.uk"
    dbc = KeyContact.objects.get(organisation__key="dartford-borough-council")
    assert (dbc.department, dbc.phone, dbc.website) == ("Community Safety Unit", "01322 343434", "")
    names = list(GovernanceGroup.objects.values_list("name", flat=True))
    assert "CSP Executive Group" in names
    assert "Crime & Disorder Scrutiny Committee" in names
    assert GovernanceGroup.objects.filter(kind="contributing").count() == 4


def test_every_seeded_text_appears_in_its_published_document(seeded):
    """The fidelity check: nothing in the portal's copy is paraphrased."""
    sources = {
        s.slug: normalise((SOURCES / s.source_document).read_text(encoding="utf-8"))
        for s in Strategy.objects.all()
    }
    checked = 0
    for strategy in Strategy.objects.all():
        source = sources[strategy.slug]
        texts = []
        for section in strategy.sections.all():
            for block in section.body:
                texts.extend(block.get("ul") or [block.get("p") or block.get("h")])
        for priority in strategy.priorities.all():
            texts += [priority.title, *priority.why_paragraphs]
            for related in ("focus_items", "aims", "actions", "indicators"):
                texts += [x.text for x in getattr(priority, related).all()]
        texts += [s.text for s in strategy.successes.all()]
        for text in texts:
            assert normalise(text) in source, f"{strategy.slug}: not in the document: {text!r}"
            checked += 1
    assert checked > 250


def test_running_the_loader_twice_changes_nothing(seeded):
    before = row_counts()
    report = load_seed(SEED_DIR)
    assert report.changed == 0
    assert row_counts() == before


@pytest.fixture
def seed_copy(tmp_path) -> Path:
    target = tmp_path / "seed"
    shutil.copytree(SEED_DIR, target, ignore=shutil.ignore_patterns("sources"))
    return target


def edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_an_edited_seed_file_updates_in_place(db, seed_copy):
    load_seed(seed_copy)
    before = row_counts()
    file = seed_copy / "strategies" / "dartford-2025-2028.yaml"
    edit_yaml(file, lambda d: d["priorities"][0]["focus"].__setitem__(0, "A corrected focus item."))
    report = load_seed(seed_copy)
    assert report.changed == 1
    assert row_counts() == before
    item = FocusItem.objects.get(
        priority__strategy__slug="dartford-2025-2028", priority__number=1, order=1
    )
    assert item.text == "A corrected focus item."


def test_a_removed_seed_item_is_removed_but_officers_items_stay(db, seed_copy):
    load_seed(seed_copy)
    priority = Priority.objects.get(strategy__slug="dartford-2025-2028", number=2)
    officers_item = FocusItem.objects.create(
        priority=priority, order=99, text="Added in the portal"
    )
    file = seed_copy / "strategies" / "dartford-2025-2028.yaml"
    edit_yaml(file, lambda d: d["priorities"][1]["focus"].pop())
    load_seed(seed_copy)
    texts = list(priority.focus_items.values_list("text", flat=True))
    assert len(texts) == 4  # three from the document, one from an officer
    assert officers_item.text in texts


@pytest.mark.parametrize(
    "change, entry, reason",
    [
        (
            lambda d: d["priorities"][0]["focus"].__setitem__(2, 42),
            "priorities[0].focus[2]",
            "expected text",
        ),
        (lambda d: d["priorities"][1].pop("title"), "priorities[1].title", "is missing"),
        (lambda d: d.__setitem__("status", "live"), "strategy.status", "'live' is not one of"),
        (lambda d: d.__setitem__("partnership", "nowhere"), "partnership", "not a partnership"),
        (lambda d: d["priorities"][2].__setitem__("number", 7), "priorities", "numbers must run"),
    ],
)
def test_a_malformed_seed_file_names_the_entry_and_writes_nothing(
    db, seed_copy, change, entry, reason
):
    file = seed_copy / "strategies" / "dartford-2025-2028.yaml"
    edit_yaml(file, change)
    with pytest.raises(SeedError) as exc:
        load_seed(seed_copy)
    assert exc.value.file == str(file)
    assert exc.value.entry == entry
    assert reason in exc.value.reason
    assert sum(row_counts().values()) == 0


def test_invalid_yaml_names_the_line(db, seed_copy):
    file = seed_copy / "partners.yaml"
    file.write_text(file.read_text(encoding="utf-8") + "\n  - : : [unclosed\n", encoding="utf-8")
    with pytest.raises(SeedError) as exc:
        load_seed(seed_copy)
    assert exc.value.file == str(file)
    assert exc.value.entry.startswith("line ")
    assert sum(row_counts().values()) == 0


def test_a_bad_file_after_a_good_load_leaves_the_data_as_it_was(db, seed_copy):
    load_seed(seed_copy)
    before = row_counts()
    edit_yaml(
        seed_copy / "partners.yaml",
        lambda d: d["partnerships"][0]["members"][0].__setitem__("organisation", "nobody"),
    )
    with pytest.raises(SeedError):
        load_seed(seed_copy)
    assert row_counts() == before
