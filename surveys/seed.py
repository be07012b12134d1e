"""Load the published surveys (seed_data/surveys/*.yaml) into the database, idempotently.

Same rules as the strategy seed (priorities/seed.py): every file is read and checked before
anything is written, the writes run in one transaction, and a malformed file names the file, the
entry and the reason and changes nothing. Rows match on natural keys (survey slug, section key,
question key, answer label), so a second run changes nothing and an edited file updates in place;
item mappings officers confirmed survive a reload.

Each published percentage is checked against its count and base, and the result is stored as the
row's flag: the document's figures are kept, never corrected.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from partners.models import Partnership
from priorities.models import Strategy
from priorities.seed import SeedError, SeedReader, SeedReport, read_yaml
from priorities.seed import kind_of as _kind

from .analysis import check_published_percentage
from .models import AnswerOption, PublishedResult, Question, Section, Survey

CHOICE_KINDS = {
    Question.Kind.SINGLE_CHOICE,
    Question.Kind.FOLLOW_UP,
    Question.Kind.DEMOGRAPHIC,
}


class _Reader(SeedReader):
    """The shared seed reader plus the numbers and flags a survey file holds."""

    def whole(self, data: dict, key: str, entry: str, required: bool = False) -> int | None:
        value = data.get(key)
        where = f"{entry}.{key}" if entry else key
        if value is None:
            if required:
                raise self.fail(where, "is missing")
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.fail(where, f"expected a whole number, found {value!r}")
        return value

    def flag(self, data: dict, key: str, entry: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(f"{entry}.{key}", f"expected true or false, found {value!r}")
        return value

    def date(self, data: dict, key: str) -> dt.date | None:
        value = data.get(key)
        if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
            return value
        raise self.fail(key, f"expected a date like 2025-01-31, found {value!r}")

    def percentage(self, value: Any, entry: str) -> tuple[Decimal | None, int]:
        """A published percentage and its decimal places as written (27.0 has one)."""
        if value is None:
            return None, 0
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.fail(entry, f"expected a percentage like 27.0, found {_kind(value)}")
        try:
            number = Decimal(str(value).strip().rstrip("%"))
        except InvalidOperation as exc:
            raise self.fail(entry, f"{value!r} is not a number") from exc
        if not number.is_finite() or number < 0 or number > 100:
            raise self.fail(entry, f"{value!r} is not a percentage between 0 and 100")
        places = max(0, -number.as_tuple().exponent)
        if places > 2:
            raise self.fail(entry, f"{value!r} has more than two decimal places")
        return number, places


def read_survey_seed(directory: Path) -> list[tuple[Path, dict]]:
    """Read and check every survey file under directory/surveys; raise SeedError on a problem."""
    files = sorted((Path(directory) / "surveys").glob("*.yaml"))
    partnerships = set(Partnership.objects.values_list("key", flat=True))
    strategies = set(Strategy.objects.values_list("slug", flat=True))
    out = []
    slugs: dict[str, Path] = {}
    for file in files:
        data = _check_survey(_Reader(file), read_yaml(file), partnerships, strategies)
        if data["slug"] in slugs:
            raise SeedError(file, "slug", f"{data['slug']!r} is also used by {slugs[data['slug']]}")
        slugs[data["slug"]] = file
        out.append((file, data))
    return out


def _check_options(r: _Reader, raw_list: list, entry: str) -> list[dict]:
    options = []
    for i, raw in enumerate(raw_list):
        e = f"{entry}[{i}]"
        o = r.mapping(raw, e)
        pct, places = r.percentage(o.get("percentage"), f"{e}.percentage")
        chart, _ = r.percentage(o.get("chart_percentage"), f"{e}.chart_percentage")
        options.append(
            {
                "label": r.text(o, "label", e),
                "standard_label": r.text(o, "standard_label", e, required=False),
                "counts_as_concern": r.flag(o, "concern", e),
                "is_dont_know": r.flag(o, "dont_know", e),
                "count": r.whole(o, "count", e),
                "percentage": pct,
                "percentage_places": places,
                "chart_percentage": chart,
                "note": r.text(o, "note", e, required=False),
            }
        )
    seen: set[str] = set()
    for i, o in enumerate(options):
        if o["label"] in seen:
            raise r.fail(f"{entry}[{i}].label", f"answer {o['label']!r} appears twice")
        seen.add(o["label"])
    if not options:
        raise r.fail(entry, "needs at least one answer")
    return options


def _check_survey(r: _Reader, data: dict, partnerships: set, strategies: set) -> dict:
    partnership = r.text(data, "partnership", "")
    if partnership not in partnerships:
        raise r.fail(
            "partnership",
            f"{partnership!r} is not a partnership in the database (load partners.yaml first)",
        )
    strategy = r.text(data, "strategy", "", required=False)
    if strategy and strategy not in strategies:
        raise r.fail("strategy", f"{strategy!r} is not a strategy in the database")
    status = data.get("status")
    if status not in Survey.Status.values:
        raise r.fail("status", f"{status!r} is not one of {', '.join(Survey.Status.values)}")
    slug = r.text(data, "slug", "")
    if slugify(slug) != slug:
        raise r.fail("slug", f"{slug!r} may hold only lower-case letters, digits and hyphens")
    out: dict = {
        "partnership": partnership,
        "strategy": strategy,
        "slug": slug,
        "title": r.text(data, "title", ""),
        "status": status,
        "fieldwork_start": r.date(data, "fieldwork_start"),
        "fieldwork_end": r.date(data, "fieldwork_end"),
        "method": r.text(data, "method", "", required=False),
        "respondents": r.whole(data, "respondents", ""),
        "source_document": r.text(data, "source_document", "", required=False),
        "results_note": r.text(data, "results_note", "", required=False),
        "description": [],
        "sections": [],
        "questions": [],
    }
    if (
        out["fieldwork_start"]
        and out["fieldwork_end"]
        and out["fieldwork_end"] < out["fieldwork_start"]
    ):
        raise r.fail("fieldwork_end", "is before fieldwork_start")
    for i, para in enumerate(r.items(data, "description", "", required=False)):
        if not isinstance(para, str) or not para.strip():
            raise r.fail(f"description[{i}]", f"expected text, found {_kind(para)}")
        if "\n\n" in para:
            raise r.fail(f"description[{i}]", "a paragraph may not contain a blank line")
        out["description"].append(para)

    scales = {}
    raw_scales = data.get("scales") or {}
    r.mapping(raw_scales, "scales")
    for name, options in raw_scales.items():
        if not isinstance(options, list):
            raise r.fail(f"scales.{name}", f"expected a list of answers, found {_kind(options)}")
        scales[name] = _check_options(r, options, f"scales.{name}")
        for i, o in enumerate(scales[name]):
            if o["count"] is not None or o["percentage"] is not None:
                raise r.fail(
                    f"scales.{name}[{i}]", "a scale lists answers only; give figures per item"
                )

    keys: set[str] = set()
    for i, raw in enumerate(r.items(data, "sections", "", required=False)):
        e = f"sections[{i}]"
        s = r.mapping(raw, e)
        key = r.text(s, "key", e)
        if slugify(key) != key:
            raise r.fail(
                f"{e}.key", f"{key!r} may hold only lower-case letters, digits and hyphens"
            )
        if any(x["key"] == key for x in out["sections"]):
            raise r.fail(f"{e}.key", f"section {key!r} appears twice")
        scale_name = r.text(s, "scale", e)
        if scale_name not in scales:
            raise r.fail(f"{e}.scale", f"{scale_name!r} is not one of the scales")
        scale = scales[scale_name]
        items = []
        for j, iraw in enumerate(r.items(s, "items", e)):
            ie = f"{e}.items[{j}]"
            item = r.mapping(iraw, ie)
            text = r.text(item, "text", ie)
            qkey = r.text(item, "key", ie, required=False) or f"{key}-{slugify(text)}"
            if qkey in keys:
                raise r.fail(ie, f"item key {qkey!r} appears twice (give the item its own key)")
            keys.add(qkey)
            published = r.items(item, "published", ie)
            if len(published) != len(scale):
                raise r.fail(
                    f"{ie}.published",
                    f"expected {len(scale)} percentages (one per answer of {scale_name!r}), "
                    f"found {len(published)}",
                )
            figures = [r.percentage(p, f"{ie}.published[{k}]") for k, p in enumerate(published)]
            if any(p is None for p, _ in figures):
                raise r.fail(f"{ie}.published", "every answer needs a percentage")
            items.append(
                {
                    "key": qkey,
                    "text": text,
                    "note": r.text(item, "note", ie, required=False),
                    "figures": figures,
                }
            )
        out["sections"].append(
            {
                "key": key,
                "title": r.text(s, "title", e),
                "intro": r.text(s, "intro", e, required=False),
                "scale": scale,
                "items": items,
            }
        )

    for i, raw in enumerate(r.items(data, "questions", "", required=False)):
        e = f"questions[{i}]"
        q = r.mapping(raw, e)
        key = r.text(q, "key", e)
        if slugify(key) != key:
            raise r.fail(
                f"{e}.key", f"{key!r} may hold only lower-case letters, digits and hyphens"
            )
        if key in keys:
            raise r.fail(f"{e}.key", f"question {key!r} appears twice")
        keys.add(key)
        kind = q.get("kind")
        if kind not in CHOICE_KINDS:
            raise r.fail(f"{e}.kind", f"{kind!r} is not one of {', '.join(sorted(CHOICE_KINDS))}")
        question = {
            "key": key,
            "kind": kind,
            "text": r.text(q, "text", e),
            "note": r.text(q, "note", e, required=False),
            "base": r.whole(q, "base", e),
            "max_choices": r.whole(q, "max_choices", e),
            "parent": "",
            "parent_option": "",
            "options": _check_options(r, r.items(q, "options", e), f"{e}.options"),
        }
        if kind == Question.Kind.FOLLOW_UP:
            parent = r.text(q, "parent", e)
            earlier = {x["key"]: x for x in out["questions"]}
            if parent not in earlier or earlier[parent]["kind"] != Question.Kind.SINGLE_CHOICE:
                raise r.fail(f"{e}.parent", f"{parent!r} is not an earlier single-choice question")
            parent_option = r.text(q, "parent_option", e)
            if parent_option not in [o["label"] for o in earlier[parent]["options"]]:
                raise r.fail(
                    f"{e}.parent_option", f"{parent_option!r} is not an answer of {parent!r}"
                )
            question["parent"], question["parent_option"] = parent, parent_option
        for j, o in enumerate(question["options"]):
            if (
                o["count"] is not None
                and question["base"] is not None
                and o["count"] > question["base"]
            ):
                raise r.fail(
                    f"{e}.options[{j}].count",
                    f"{o['count']} is more than the base {question['base']}",
                )
        out["questions"].append(question)
    if not out["sections"] and not out["questions"]:
        raise r.fail("file", "has neither sections nor questions")
    return out


# --- writing -------------------------------------------------------------------------------


def _upsert(report: SeedReport, model, lookup: dict, values: dict):
    """Create or update one row, writing only when a value differs."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        report.add(model, "created")
        return obj
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    if changed:
        for k in changed:
            setattr(obj, k, values[k])
        obj.save(update_fields=changed)
        report.add(model, "updated")
    else:
        report.add(model, "unchanged")
    return obj


def _remove(report: SeedReport, queryset) -> None:
    for obj in queryset:
        obj.delete()
        report.add(type(obj), "removed")


def load_survey_seed(directory: Path | str, report: SeedReport | None = None) -> SeedReport:
    """Read, check and load every survey file in one transaction."""
    files = read_survey_seed(Path(directory))
    report = report if report is not None else SeedReport()
    with transaction.atomic():
        for _file, data in files:
            _load_survey(report, data)
    return report


def _load_survey(report: SeedReport, s: dict) -> Survey:
    survey = _upsert(
        report,
        Survey,
        {"slug": s["slug"]},
        {
            "partnership": Partnership.objects.get(key=s["partnership"]),
            "strategy": Strategy.objects.get(slug=s["strategy"]) if s["strategy"] else None,
            "title": s["title"],
            "status": s["status"],
            "fieldwork_start": s["fieldwork_start"],
            "fieldwork_end": s["fieldwork_end"],
            "method": s["method"],
            "respondents": s["respondents"],
            "description": "\n\n".join(s["description"]),
            "results_note": s["results_note"],
            "source_document": s["source_document"],
            "from_document": True,
        },
    )
    order = 0
    section_keys = []
    question_keys = []
    for section_order, sec in enumerate(s["sections"], start=1):
        section = _upsert(
            report,
            Section,
            {"survey": survey, "key": sec["key"]},
            {"title": sec["title"], "intro": sec["intro"], "order": section_order},
        )
        section_keys.append(sec["key"])
        for item in sec["items"]:
            order += 1
            question_keys.append(item["key"])
            question = _upsert(
                report,
                Question,
                {"survey": survey, "key": item["key"]},
                {
                    "section": section,
                    "kind": Question.Kind.RATING,
                    "text": item["text"],
                    "note": item["note"],
                    "order": order,
                    "parent": None,
                    "parent_option": None,
                    "max_choices": None,
                },
            )
            options = [
                {**o, "percentage": pct, "percentage_places": places}
                for o, (pct, places) in zip(sec["scale"], item["figures"], strict=True)
            ]
            _load_options(report, question, options, base=None)
    for q in s["questions"]:
        order += 1
        question_keys.append(q["key"])
        parent = parent_option = None
        if q["parent"]:
            parent = Question.objects.get(survey=survey, key=q["parent"])
            parent_option = AnswerOption.objects.get(question=parent, label=q["parent_option"])
        question = _upsert(
            report,
            Question,
            {"survey": survey, "key": q["key"]},
            {
                "section": None,
                "kind": q["kind"],
                "text": q["text"],
                "note": q["note"],
                "order": order,
                "parent": parent,
                "parent_option": parent_option,
                "max_choices": q["max_choices"],
            },
        )
        _load_options(report, question, q["options"], base=q["base"])
    _remove(report, Question.objects.filter(survey=survey).exclude(key__in=question_keys))
    _remove(report, Section.objects.filter(survey=survey).exclude(key__in=section_keys))
    return survey


def _load_options(
    report: SeedReport, question: Question, options: list[dict], base: int | None
) -> None:
    # A missing count is a quirk only where the question's other answers have counts.
    has_counts = any(o["count"] is not None for o in options)
    labels = []
    for position, o in enumerate(options, start=1):
        labels.append(o["label"])
        option = _upsert(
            report,
            AnswerOption,
            {"question": question, "label": o["label"]},
            {
                "order": position,
                "standard_label": o["standard_label"],
                "counts_as_concern": o["counts_as_concern"],
                "is_dont_know": o["is_dont_know"],
            },
        )
        _upsert(
            report,
            PublishedResult,
            {"option": option},
            {
                "question": question,
                "count": o["count"],
                "percentage": o["percentage"],
                "percentage_places": o["percentage_places"],
                "chart_percentage": o["chart_percentage"],
                "base": base,
                "flag": check_published_percentage(
                    o["count"],
                    base if has_counts else None,
                    o["percentage"],
                    o["percentage_places"],
                ),
                "note": o["note"],
            },
        )
    _remove(report, AnswerOption.objects.filter(question=question).exclude(label__in=labels))
