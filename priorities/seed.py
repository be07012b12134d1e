"""Load the published strategies (seed_data/) into the database, idempotently.

Every file is read and checked before anything is written, and the writes run in one
transaction: a malformed file names the file, the entry and the reason and changes nothing.
Rows are matched on natural keys (GSS code, organisation key, strategy slug, priority number,
position in a list), so a second run changes nothing and an edited file updates in place.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import models, transaction

from audit.models import AuditEntry
from audit.services import record, snapshot
from partners.models import Area, Membership, Organisation, Partnership

from .models import (
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


class SeedError(ValueError):
    """A seed file that cannot be loaded: says which file, which entry and why."""

    def __init__(self, file: Path | str, entry: str, reason: str) -> None:
        self.file, self.entry, self.reason = str(file), entry, reason
        super().__init__(f"{file}: {entry}: {reason}")


@dataclass
class SeedReport:
    """How many rows of each kind the load created, updated, left alone or removed."""

    counts: Counter = field(default_factory=Counter)
    # History entries gathered during the load and written in one go at the end.
    history: list = field(default_factory=list, repr=False)

    def add(self, model: type[models.Model], outcome: str) -> None:
        self.counts[(model._meta.verbose_name_plural, outcome)] += 1

    @property
    def changed(self) -> int:
        return sum(n for (_, outcome), n in self.counts.items() if outcome != "unchanged")

    def lines(self) -> list[str]:
        names = sorted({name for name, _ in self.counts})
        out = []
        for name in names:
            parts = [
                f"{self.counts[(name, o)]} {o}"
                for o in ("created", "updated", "removed", "unchanged")
                if self.counts[(name, o)]
            ]
            out.append(f"{name}: {', '.join(parts)}")
        return out


# --- reading and checking ------------------------------------------------------------------


class SeedReader:
    """Typed access to one YAML document that reports errors with the entry's path.

    Shared by every app's seed loader; apps add the readers their own files need.
    """

    def __init__(self, file: Path) -> None:
        self.file = file

    def fail(self, entry: str, reason: str) -> SeedError:
        return SeedError(self.file, entry, reason)

    def mapping(self, value: Any, entry: str) -> dict:
        if not isinstance(value, dict):
            raise self.fail(entry, f"expected a mapping, found {kind_of(value)}")
        return value

    def items(self, data: dict, key: str, entry: str, required: bool = True) -> list:
        value = data.get(key)
        if value is None and not required:
            return []
        if not isinstance(value, list):
            raise self.fail(
                f"{entry}.{key}" if entry else key, f"expected a list, found {kind_of(value)}"
            )
        return value

    def text(self, data: dict, key: str, entry: str, required: bool = True) -> str:
        value = data.get(key)
        where = f"{entry}.{key}" if entry else key
        if value is None:
            if required:
                raise self.fail(where, "is missing")
            return ""
        if not isinstance(value, str):
            raise self.fail(where, f"expected text, found {kind_of(value)}")
        if required and not value.strip():
            raise self.fail(where, "is empty")
        return value

    def texts(self, data: dict, key: str, entry: str, required: bool = False) -> list[str]:
        values = self.items(data, key, entry, required=required)
        for i, value in enumerate(values):
            if not isinstance(value, str) or not value.strip():
                raise self.fail(f"{entry}.{key}[{i}]", f"expected text, found {kind_of(value)}")
        return values

    def integer(self, data: dict, key: str, entry: str) -> int:
        value = data.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(f"{entry}.{key}", f"expected a whole number, found {kind_of(value)}")
        return value

    def date(self, data: dict, key: str, entry: str) -> dt.date | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, dt.date):
            return value
        raise self.fail(f"{entry}.{key}", f"expected a date like 2021-01-01, found {value!r}")

    def choice(self, data: dict, key: str, entry: str, choices, default: str | None = None) -> str:
        value = data.get(key, default)
        allowed = [c for c, _ in choices]
        if value not in allowed:
            shown = ", ".join(repr(a) for a in allowed)
            raise self.fail(f"{entry}.{key}" if entry else key, f"{value!r} is not one of {shown}")
        return value

    def blocks(self, value: Any, entry: str) -> list[dict]:
        if not isinstance(value, list):
            raise self.fail(entry, f"expected a list of blocks, found {kind_of(value)}")
        for i, block in enumerate(value):
            where = f"{entry}[{i}]"
            if not isinstance(block, dict) or len(block) != 1:
                raise self.fail(where, "a block is one of {p: text}, {ul: [items]}, {h: text}")
            ((kind, content),) = block.items()
            if kind in ("p", "h") and isinstance(content, str) and content.strip():
                continue
            if (
                kind == "ul"
                and isinstance(content, list)
                and all(isinstance(x, str) and x.strip() for x in content)
            ):
                continue
            raise self.fail(where, f"block {kind!r} has no usable content")
        return value


def kind_of(value: Any) -> str:
    """What a YAML value is, in words for an error message."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true or false"
    return {str: "text", int: "a number", float: "a number", list: "a list", dict: "a mapping"}.get(
        type(value), type(value).__name__
    )


def read_yaml(file: Path) -> dict:
    """One seed file's top-level mapping, or a SeedError naming the file and the line."""
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise SeedError(
            file, "file", f"is not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        raise SeedError(file, where, f"is not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(data, dict):
        raise SeedError(file, "file", f"expected a mapping at the top, found {kind_of(data)}")
    return data


@dataclass
class SeedData:
    partners: dict
    strategies: list[tuple[Path, dict]]


def read_seed(directory: Path) -> SeedData:
    """Read and check every seed file; raise SeedError on the first problem found."""
    partners_file = directory / "partners.yaml"
    if not partners_file.exists():
        raise SeedError(partners_file, "file", "is missing")
    partners = _check_partners(partners_file, read_yaml(partners_file))
    org_keys = {o["key"] for o in partners["organisations"]}
    partnership_keys = {p["key"] for p in partners["partnerships"]}
    strategies = []
    slugs: dict[str, Path] = {}
    for file in sorted((directory / "strategies").glob("*.yaml")):
        data = _check_strategy(file, read_yaml(file), org_keys, partnership_keys)
        if data["slug"] in slugs:
            raise SeedError(file, "slug", f"{data['slug']!r} is also used by {slugs[data['slug']]}")
        slugs[data["slug"]] = file
        strategies.append((file, data))
    return SeedData(partners=partners, strategies=strategies)


def _unique(r: SeedReader, values: list[str], entry: str, what: str) -> None:
    seen = set()
    for i, value in enumerate(values):
        if value in seen:
            raise r.fail(f"{entry}[{i}]", f"{what} {value!r} appears twice")
        seen.add(value)


def _check_partners(file: Path, data: dict) -> dict:
    r = SeedReader(file)
    out: dict[str, list] = {"areas": [], "organisations": [], "partnerships": []}
    for i, raw in enumerate(r.items(data, "areas", "")):
        e = f"areas[{i}]"
        a = r.mapping(raw, e)
        out["areas"].append({"gss_code": r.text(a, "gss_code", e), "name": r.text(a, "name", e)})
    _unique(r, [a["gss_code"] for a in out["areas"]], "areas", "GSS code")
    gss = {a["gss_code"] for a in out["areas"]}
    for i, raw in enumerate(r.items(data, "organisations", "")):
        e = f"organisations[{i}]"
        o = r.mapping(raw, e)
        out["organisations"].append(
            {
                "key": r.text(o, "key", e),
                "name": r.text(o, "name", e),
                "kind": r.choice(o, "kind", e, Organisation.Kind.choices, default="other"),
                "address": r.text(o, "address", e, required=False),
                "phone": str(r.text(o, "phone", e, required=False)),
                "website": r.text(o, "website", e, required=False),
            }
        )
    _unique(r, [o["key"] for o in out["organisations"]], "organisations", "key")
    _unique(r, [o["name"] for o in out["organisations"]], "organisations", "name")
    orgs = {o["key"] for o in out["organisations"]}
    for i, raw in enumerate(r.items(data, "partnerships", "")):
        e = f"partnerships[{i}]"
        p = r.mapping(raw, e)
        areas = r.texts(p, "areas", e)
        for j, code in enumerate(areas):
            if code not in gss:
                raise r.fail(f"{e}.areas[{j}]", f"area {code!r} is not in areas")
        members = []
        for j, mraw in enumerate(r.items(p, "members", e, required=False)):
            me = f"{e}.members[{j}]"
            m = r.mapping(mraw, me)
            org = r.text(m, "organisation", me)
            if org not in orgs:
                raise r.fail(f"{me}.organisation", f"organisation {org!r} is not in organisations")
            members.append(
                {
                    "organisation": org,
                    "role": r.choice(m, "role", me, Membership.Role.choices),
                    "listed_as": r.text(m, "listed_as", me, required=False),
                    "note": r.text(m, "note", me, required=False),
                    "started_on": r.date(m, "started_on", me),
                    "ended_on": r.date(m, "ended_on", me),
                }
            )
        _unique(r, [m["organisation"] for m in members], f"{e}.members", "organisation")
        out["partnerships"].append(
            {
                "key": r.text(p, "key", e),
                "name": r.text(p, "name", e),
                "short_name": r.text(p, "short_name", e),
                "areas": areas,
                "formed_on": r.date(p, "formed_on", e),
                "formed_note": r.text(p, "formed_note", e, required=False),
                "dissolved_on": r.date(p, "dissolved_on", e),
                "dissolved_note": r.text(p, "dissolved_note", e, required=False),
                "members": members,
            }
        )
    _unique(r, [p["key"] for p in out["partnerships"]], "partnerships", "key")
    return out


def _check_strategy(file: Path, data: dict, org_keys: set, partnership_keys: set) -> dict:
    r = SeedReader(file)
    partnership = r.text(data, "partnership", "")
    if partnership not in partnership_keys:
        raise r.fail("partnership", f"{partnership!r} is not a partnership in partners.yaml")
    out = {
        "partnership": partnership,
        "slug": r.text(data, "slug", ""),
        "title": r.text(data, "title", ""),
        "start_year": r.integer(data, "start_year", "strategy"),
        "end_year": r.integer(data, "end_year", "strategy"),
        "status": r.choice(data, "status", "strategy", Strategy.Status.choices),
        "source_document": r.text(data, "source_document", "", required=False),
        "sections": [],
        "priorities": [],
        "successes": [],
        "governance": None,
        "contacts": [],
    }
    if out["end_year"] < out["start_year"]:
        raise r.fail("end_year", "is before start_year")
    for i, raw in enumerate(r.items(data, "sections", "", required=False)):
        e = f"sections[{i}]"
        s = r.mapping(raw, e)
        out["sections"].append(
            {
                "key": r.text(s, "key", e),
                "heading": r.text(s, "heading", e),
                "body": r.blocks(s.get("body"), f"{e}.body"),
            }
        )
    _unique(r, [s["key"] for s in out["sections"]], "sections", "key")
    for i, raw in enumerate(r.items(data, "priorities", "")):
        e = f"priorities[{i}]"
        p = r.mapping(raw, e)
        indicators = []
        for j, iraw in enumerate(r.items(p, "indicators", e, required=False)):
            ie = f"{e}.indicators[{j}]"
            ind = r.mapping(iraw, ie)
            per_area = ind.get("per_area", False)
            if not isinstance(per_area, bool):
                raise r.fail(f"{ie}.per_area", f"expected true or false, found {per_area!r}")
            indicators.append(
                {
                    "text": r.text(ind, "name", ie),
                    "unit": r.choice(ind, "unit", ie, Indicator.Unit.choices, default="count"),
                    "per_area": per_area,
                }
            )
        why = r.texts(p, "why", e, required=True)
        for j, para in enumerate(why):
            if "\n\n" in para:
                raise r.fail(f"{e}.why[{j}]", "a paragraph may not contain a blank line")
        out["priorities"].append(
            {
                "number": r.integer(p, "number", e),
                "title": r.text(p, "title", e),
                "listed_title": r.text(p, "listed_title", e, required=False),
                "why": why,
                "focus": r.texts(p, "focus", e),
                "actions_heading": r.text(p, "actions_heading", e, required=False),
                "actions": r.texts(p, "actions", e),
                "aims": r.texts(p, "aims", e),
                "indicators_heading": r.text(p, "indicators_heading", e, required=False),
                "indicators": indicators,
            }
        )
    numbers = [p["number"] for p in out["priorities"]]
    if numbers != list(range(1, len(numbers) + 1)):
        raise r.fail("priorities", f"numbers must run 1, 2, 3… in order; found {numbers}")
    for i, raw in enumerate(r.items(data, "successes", "", required=False)):
        e = f"successes[{i}]"
        theme = r.mapping(raw, e)
        name = r.text(theme, "theme", e)
        for j, iraw in enumerate(r.items(theme, "items", e)):
            ie = f"{e}.items[{j}]"
            item = r.mapping(iraw, ie)
            funding = r.text(item, "funding", ie, required=False)
            text = r.text(item, "text", ie)
            if funding and funding not in text:
                raise r.fail(f"{ie}.funding", f"{funding!r} does not appear in the item's text")
            if funding and PartnershipSuccess.parse_funding(funding) is None:
                raise r.fail(f"{ie}.funding", f"{funding!r} is not an amount like £1,234 or £1.3m")
            out["successes"].append({"theme": name, "text": text, "funding": funding})
    gov = data.get("governance")
    if gov is not None:
        g = r.mapping(gov, "governance")
        groups = []
        for i, graw in enumerate(r.items(g, "groups", "governance")):
            ge = f"governance.groups[{i}]"
            grp = r.mapping(graw, ge)
            groups.append(
                {
                    "name": r.text(grp, "name", ge),
                    "kind": r.choice(grp, "kind", ge, GovernanceGroup.Kind.choices, "group"),
                    "note": r.text(grp, "note", ge, required=False),
                }
            )
        out["governance"] = {
            "body": r.blocks(g.get("body", []), "governance.body"),
            "groups": groups,
        }
    for i, raw in enumerate(r.items(data, "contacts", "", required=False)):
        e = f"contacts[{i}]"
        c = r.mapping(raw, e)
        org = r.text(c, "organisation", e)
        if org not in org_keys:
            raise r.fail(f"{e}.organisation", f"organisation {org!r} is not in partners.yaml")
        out["contacts"].append(
            {
                "organisation": org,
                "heading": r.text(c, "heading", e),
                "department": r.text(c, "department", e, required=False),
                "address": r.text(c, "address", e, required=False),
                "phone": str(r.text(c, "phone", e, required=False)),
                "website": r.text(c, "website", e, required=False),
            }
        )
    return out


# --- writing -------------------------------------------------------------------------------


def _upsert(report: SeedReport, model, lookup: dict, values: dict):
    """Create or update one row, writing only when a value differs."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        _audit(report, obj, "create")
        report.add(model, "created")
        return obj
    _save_changes(report, obj, values)
    return obj


def _audit(report: SeedReport, obj, event: str, before: dict | None = None) -> None:
    """Seed loads go into the same history as people's edits, as the system's."""
    after = None if event == "delete" else snapshot(obj)
    entry = record(
        obj,
        event,
        None,
        before=before,
        after=after,
        channel=AuditEntry.Channel.SYSTEM,
        commit=False,
    )
    if entry is not None:
        report.history.append(entry)


def _save_changes(report: SeedReport, obj, values: dict) -> None:
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    if not changed:
        report.add(type(obj), "unchanged")
        return
    before = snapshot(obj)
    for k in changed:
        setattr(obj, k, values[k])
    obj.save(update_fields=changed)
    _audit(report, obj, "update", before)
    report.add(type(obj), "updated")


def _sync_list(report: SeedReport, model, parent_lookup: dict, rows: list[dict]) -> list:
    """Make the document rows under one parent match `rows`, position by position."""
    # Only rows that came from the document are ours to change; officers' own rows stay.
    extra = {"from_document": True} if _has_field(model, "from_document") else {}
    existing = {o.order: o for o in model.objects.filter(**parent_lookup, **extra)}
    objs, new = [], []
    for order, values in enumerate(rows, start=1):
        obj = existing.pop(order, None)
        if obj is None:
            obj = model(**parent_lookup, order=order, **extra, **values)
            new.append(obj)
        else:
            _save_changes(report, obj, values)
        objs.append(obj)
    # A first load creates hundreds of rows: one INSERT per list, not one per row.
    for obj in model.objects.bulk_create(new):
        _audit(report, obj, "create")
        report.add(model, "created")
    for obj in existing.values():
        _audit(report, obj, "delete", snapshot(obj))
        obj.delete()
        report.add(model, "removed")
    return objs


def _has_field(model, name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())


def _set_m2m(report: SeedReport, obj, attr: str, wanted: list) -> None:
    manager = getattr(obj, attr)
    if set(manager.values_list("pk", flat=True)) != {o.pk for o in wanted}:
        manager.set(wanted)
        report.add(type(obj), "updated")


def load_seed(directory: Path) -> SeedReport:
    """Read, check and load every seed file in one transaction."""
    data = read_seed(Path(directory))
    report = SeedReport()
    with transaction.atomic():
        areas = {
            a["gss_code"]: _upsert(report, Area, {"gss_code": a["gss_code"]}, {"name": a["name"]})
            for a in data.partners["areas"]
        }
        orgs = {}
        for o in data.partners["organisations"]:
            values = {k: v for k, v in o.items() if k != "key"}
            orgs[o["key"]] = _upsert(report, Organisation, {"key": o["key"]}, values)
        partnerships = {}
        for p in data.partners["partnerships"]:
            values = {
                k: p[k]
                for k in (
                    "name",
                    "short_name",
                    "formed_on",
                    "formed_note",
                    "dissolved_on",
                    "dissolved_note",
                )
            }
            obj = _upsert(report, Partnership, {"key": p["key"]}, values)
            _set_m2m(report, obj, "areas", [areas[c] for c in p["areas"]])
            for order, m in enumerate(p["members"], start=1):
                values = {k: v for k, v in m.items() if k != "organisation"}
                _upsert(
                    report,
                    Membership,
                    {"partnership": obj, "organisation": orgs[m["organisation"]]},
                    {**values, "order": order},
                )
            partnerships[p["key"]] = obj
        for _file, s in data.strategies:
            _load_strategy(report, s, partnerships, orgs)
        AuditEntry.objects.bulk_create(report.history)
    return report


def _load_strategy(report: SeedReport, s: dict, partnerships: dict, orgs: dict) -> None:
    strategy = _upsert(
        report,
        Strategy,
        {"slug": s["slug"]},
        {
            "partnership": partnerships[s["partnership"]],
            "title": s["title"],
            "start_year": s["start_year"],
            "end_year": s["end_year"],
            "status": s["status"],
            "source_document": s["source_document"],
        },
    )
    sections = [
        {"key": x["key"], "heading": x["heading"], "body": x["body"]} for x in s["sections"]
    ]
    if s["governance"]:
        sections.append(
            {"key": "governance", "heading": "Governance", "body": s["governance"]["body"]}
        )
    _sync_list(report, StrategySection, {"strategy": strategy}, sections)
    for p in s["priorities"]:
        priority = _upsert(
            report,
            Priority,
            {"strategy": strategy, "number": p["number"]},
            {
                "title": p["title"],
                "listed_title": p["listed_title"],
                "why": "\n\n".join(p["why"]),
                "actions_heading": p["actions_heading"],
                "indicators_heading": p["indicators_heading"],
            },
        )
        parent = {"priority": priority}
        _sync_list(report, FocusItem, parent, [{"text": t} for t in p["focus"]])
        _sync_list(report, Aim, parent, [{"text": t} for t in p["aims"]])
        _sync_list(report, Action, parent, [{"text": t} for t in p["actions"]])
        _sync_list(
            report,
            Indicator,
            parent,
            [
                {
                    "text": i["text"],
                    "unit": i["unit"],
                    "per_area": i["per_area"],
                    "frequency": "quarterly",
                }
                for i in p["indicators"]
            ],
        )
    for gone in Priority.objects.filter(strategy=strategy, number__gt=len(s["priorities"])):
        _audit(report, gone, "delete", snapshot(gone))
        gone.delete()
        report.add(Priority, "removed")
    _sync_list(
        report,
        PartnershipSuccess,
        {"strategy": strategy},
        [
            {
                **x,
                "funding_amount": PartnershipSuccess.parse_funding(x["funding"])
                if x["funding"]
                else None,
            }
            for x in s["successes"]
        ],
    )
    groups = s["governance"]["groups"] if s["governance"] else []
    _sync_list(report, GovernanceGroup, {"strategy": strategy}, groups)
    _sync_list(
        report,
        KeyContact,
        {"strategy": strategy},
        [{**c, "organisation": orgs[c["organisation"]]} for c in s["contacts"]],
    )
