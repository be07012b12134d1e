"""Load the published strategic-assessment figures (seed_data/assessments/) idempotently.

Same rules as priorities/seed.py: every file is read and checked before anything is written,
the writes run in one transaction, and a malformed file names the file, the entry and the reason
and changes nothing. Every figure's source sentence, and every key finding, must appear word for
word in the published document it names (seed_data/sources/), so a typo cannot slip in.

Call it after priorities.seed.load_seed: it refers to partnerships, areas and organisations.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction

from partners.models import Area, Organisation, Partnership
from priorities.seed import SeedError, SeedReader, SeedReport, read_yaml
from priorities.seed import kind_of as _kind

from .models import Assessment, Figure, KeyFinding, Measure

FIGURE_FIELDS = (
    "measure",
    "section",
    "label",
    "area",
    "geography",
    "period_start",
    "period_end",
    "period_label",
    "value",
    "value_qualifier",
    "out_of",
    "comparison_value",
    "comparison_period_start",
    "comparison_period_end",
    "change_percent",
    "source_organisation",
    "source_dataset",
    "source_sentence",
    "note",
)


def normalise(text: str) -> str:
    """Whitespace folded and PDF line-break hyphenation joined, as the transcription rules say."""
    text = re.sub(r"(\w-)\n\s*(?=\w)", r"\1", text)
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


class _Reader(SeedReader):
    """The shared seed reader, with optional lists and the dates and numbers of figures."""

    def items(self, data: dict, key: str, entry: str, required: bool = False) -> list:
        return super().items(data, key, entry, required=required)

    def date(self, data: dict, key: str, entry: str, required: bool = True) -> dt.date | None:
        value = data.get(key)
        if value is None and not required:
            return None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        raise self.fail(_at(entry, key), f"expected a date like 2023-10-01, found {value!r}")

    def number(self, data: dict, key: str, entry: str) -> Decimal | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.fail(_at(entry, key), f"expected a number, found {_kind(value)}")
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise self.fail(_at(entry, key), f"expected a number, found {value!r}") from None


def _at(entry: str, key: str) -> str:
    return f"{entry}.{key}" if entry else key


@dataclass
class AssessmentSeed:
    measures: list[dict]
    assessments: list[dict]


def read_assessment_seed(directory: Path) -> AssessmentSeed:
    """Read and check seed_data/assessments/*.yaml; raise SeedError on the first problem."""
    folder = Path(directory) / "assessments"
    measures_file = folder / "measures.yaml"
    if not measures_file.exists():
        raise SeedError(measures_file, "file", "is missing")
    measures = _check_measures(measures_file, read_yaml(measures_file))
    measure_keys = {m["key"] for m in measures}
    known = {
        "partnership": set(Partnership.objects.values_list("key", flat=True)),
        "area": set(Area.objects.values_list("gss_code", flat=True)),
        "organisation": set(Organisation.objects.values_list("key", flat=True)),
    }
    assessments = []
    slugs: dict[str, Path] = {}
    for file in sorted(folder.glob("*.yaml")):
        if file == measures_file:
            continue
        data = _check_assessment(file, read_yaml(file), measure_keys, known, Path(directory))
        if data["slug"] in slugs:
            raise SeedError(file, "slug", f"{data['slug']!r} is also used by {slugs[data['slug']]}")
        slugs[data["slug"]] = file
        assessments.append(data)
    return AssessmentSeed(measures=measures, assessments=assessments)


def _check_measures(file: Path, data: dict) -> list[dict]:
    r = _Reader(file)
    out = []
    keys: set[str] = set()
    for i, raw in enumerate(r.items(data, "measures", "")):
        e = f"measures[{i}]"
        m = r.mapping(raw, e)
        key = r.text(m, "key", e)
        if key in keys:
            raise r.fail(f"{e}.key", f"{key!r} appears twice")
        keys.add(key)
        out.append(
            {
                "key": key,
                "name": r.text(m, "name", e),
                "unit": r.choice(m, "unit", e, Measure.Unit.choices, "count"),
                "description": r.text(m, "description", e, required=False),
            }
        )
    return out


def _check_assessment(
    file: Path, data: dict, measure_keys: set[str], known: dict[str, set[str]], root: Path
) -> dict:
    r = _Reader(file)
    partnership = r.text(data, "partnership", "")
    if partnership not in known["partnership"]:
        raise r.fail("partnership", f"partnership {partnership!r} is not loaded (partners.yaml)")
    source_document = r.text(data, "source_document", "")
    source_path = root / "sources" / source_document
    if not source_path.exists():
        raise r.fail("source_document", f"{source_path} does not exist")
    source = normalise(source_path.read_text(encoding="utf-8"))

    def verbatim(text: str, entry: str) -> str:
        if normalise(text) not in source:
            raise r.fail(entry, f"does not appear word for word in {source_document}")
        return text

    out = {
        "slug": r.text(data, "slug", ""),
        "partnership": partnership,
        "title": r.text(data, "title", ""),
        "period_start": r.date(data, "period_start", ""),
        "period_end": r.date(data, "period_end", ""),
        "status": r.choice(data, "status", "", Assessment.Status.choices, "published"),
        "source_document": source_document,
        "key_findings": [],
        "figures": [],
    }
    if out["period_end"] < out["period_start"]:
        raise r.fail("period_end", "is before period_start")
    for i, text in enumerate(r.items(data, "key_findings", "")):
        e = f"key_findings[{i}]"
        if not isinstance(text, str) or not text.strip():
            raise r.fail(e, f"expected text, found {_kind(text)}")
        out["key_findings"].append(verbatim(text, e))
    for i, raw in enumerate(r.items(data, "figures", "")):
        e = f"figures[{i}]"
        f = r.mapping(raw, e)
        unknown = sorted(set(f) - set(FIGURE_FIELDS))
        if unknown:
            raise r.fail(e, f"unknown field {unknown[0]!r}")
        measure = r.text(f, "measure", e)
        if measure not in measure_keys:
            raise r.fail(f"{e}.measure", f"measure {measure!r} is not in measures.yaml")
        figure = {
            "measure": measure,
            "section": r.choice(f, "section", e, Figure.Section.choices, "headline"),
            "label": r.text(f, "label", e, required=False),
            "area": r.text(f, "area", e, required=False) or None,
            "geography": r.text(f, "geography", e, required=False),
            "period_start": r.date(f, "period_start", e),
            "period_end": r.date(f, "period_end", e),
            "period_label": r.text(f, "period_label", e, required=False),
            "value": r.number(f, "value", e),
            "value_qualifier": r.choice(f, "value_qualifier", e, Figure.Qualifier.choices, ""),
            "out_of": r.number(f, "out_of", e),
            "comparison_value": r.number(f, "comparison_value", e),
            "comparison_period_start": r.date(f, "comparison_period_start", e, required=False),
            "comparison_period_end": r.date(f, "comparison_period_end", e, required=False),
            "change_percent": r.number(f, "change_percent", e),
            "source_organisation": r.text(f, "source_organisation", e, required=False) or None,
            "source_dataset": r.text(f, "source_dataset", e, required=False),
            "source_sentence": verbatim(r.text(f, "source_sentence", e), f"{e}.source_sentence"),
            "note": r.text(f, "note", e, required=False),
        }
        if figure["area"] and figure["area"] not in known["area"]:
            raise r.fail(f"{e}.area", f"area {figure['area']!r} is not loaded (partners.yaml)")
        org = figure["source_organisation"]
        if org and org not in known["organisation"]:
            raise r.fail(f"{e}.source_organisation", f"organisation {org!r} is not loaded")
        if figure["value"] is None and figure["change_percent"] is None:
            raise r.fail(e, "a figure needs a value, a change_percent or both")
        if figure["period_end"] < figure["period_start"]:
            raise r.fail(f"{e}.period_end", "is before period_start")
        if figure["out_of"] is not None:
            figure["out_of"] = int(figure["out_of"])
        out["figures"].append(figure)
    return out


def _upsert(report: SeedReport, model, lookup: dict, values: dict):
    """Create or update one row, writing only when a value differs."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        report.add(model, "created")
        return model.objects.create(**lookup, **values)
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    if changed:
        for k in changed:
            setattr(obj, k, values[k])
        obj.save(update_fields=changed)
        report.add(model, "updated")
    else:
        report.add(model, "unchanged")
    return obj


def _sync_list(report: SeedReport, model, parent: dict, rows: list[dict]) -> None:
    """Make the rows under one parent match `rows`, position by position."""
    existing = {o.order: o for o in model.objects.filter(**parent)}
    for order, values in enumerate(rows, start=1):
        obj = existing.pop(order, None)
        if obj is None:
            model.objects.create(**parent, order=order, **values)
            report.add(model, "created")
            continue
        changed = [k for k, v in values.items() if getattr(obj, k) != v]
        if changed:
            for k in changed:
                setattr(obj, k, values[k])
            obj.save(update_fields=changed)
            report.add(model, "updated")
        else:
            report.add(model, "unchanged")
    for obj in existing.values():
        obj.delete()
        report.add(model, "removed")


def load_assessment_seed(directory: Path | str, report: SeedReport | None = None) -> SeedReport:
    """Read, check and load the assessment seed files in one transaction."""
    data = read_assessment_seed(Path(directory))
    report = report if report is not None else SeedReport()
    with transaction.atomic():
        measures = {
            m["key"]: _upsert(
                report, Measure, {"key": m["key"]}, {k: v for k, v in m.items() if k != "key"}
            )
            for m in data.measures
        }
        partnerships = {p.key: p for p in Partnership.objects.all()}
        areas = {a.gss_code: a for a in Area.objects.all()}
        orgs = {o.key: o for o in Organisation.objects.all()}
        for a in data.assessments:
            assessment = _upsert(
                report,
                Assessment,
                {"slug": a["slug"]},
                {
                    "partnership": partnerships[a["partnership"]],
                    "title": a["title"],
                    "period_start": a["period_start"],
                    "period_end": a["period_end"],
                    "status": a["status"],
                    "source_document": a["source_document"],
                },
            )
            parent = {"assessment": assessment}
            _sync_list(report, KeyFinding, parent, [{"text": t} for t in a["key_findings"]])
            figures = []
            for f in a["figures"]:
                figures.append(
                    {
                        **f,
                        "measure": measures[f["measure"]],
                        "area": areas[f["area"]] if f["area"] else None,
                        "source_organisation": orgs[f["source_organisation"]]
                        if f["source_organisation"]
                        else None,
                    }
                )
            _sync_list(report, Figure, parent, figures)
    return report
