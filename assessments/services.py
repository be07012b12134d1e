"""What the assessment pages and commands do: imports, drafts from data, edits and publishing.

Views stay thin and call these; every function here can be used from a command or a test.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify

from audit.models import AuditEntry
from audit.services import record, snapshot
from partners.access import is_superuser, officer_partnership_ids
from partners.models import AreaPopulation, Partnership
from priorities.services import EditConflict as EditConflict
from priorities.services import locked_update

from . import computations as c
from .filechecks import ImportFailed, Problem
from .imports import RunProgress, import_police_uk
from .models import (
    ASB,
    Assessment,
    CrimeRecord,
    CrimeTypeMapping,
    Figure,
    ImportRun,
    KeyFinding,
    Measure,
    OffenceCount,
    Place,
    PoliceMonth,
)
from .table_imports import import_home_office, import_ons_population
from .tables import ordinal

logger = logging.getLogger(__name__)


# --- imports ---------------------------------------------------------------------------------


def start_import(
    kind: str, upload: UploadedFile, user, partnership: Partnership | None = None
) -> ImportRun:
    """Keep the uploaded file, record the run and queue it; the worker does the rest."""
    from .tasks import run_import

    run = ImportRun(
        kind=kind,
        partnership=partnership,
        original_filename=Path(upload.name).name[:255],
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    run.stored_file.save(Path(upload.name).name, upload, save=False)
    run.save()
    run_import.enqueue(run.pk)
    run.refresh_from_db()
    return run


def execute_import(run_id: int) -> ImportRun:
    """Run one import to the end: succeeded with its report, or failed with its problems."""
    run = ImportRun.objects.select_related("partnership").get(pk=run_id)
    if run.status != ImportRun.Status.QUEUED:
        return run
    run.status = ImportRun.Status.RUNNING
    run.started_at = timezone.now()
    run.save(update_fields=["status", "started_at"])
    progress = RunProgress(run)
    try:
        report = _importer(run)(run, progress)
    except ImportFailed as exc:
        _finish(run, ImportRun.Status.FAILED, _failure_report(exc))
    except Exception:
        logger.exception("Import %s stopped", run.pk)
        problem = Problem(
            run.original_filename,
            "The import stopped because of an unexpected error. Nothing was written. "
            "Tell the portal's administrators; the error is in the server log.",
        )
        _finish(run, ImportRun.Status.FAILED, _failure_report(ImportFailed([problem])))
    else:
        run.rows_done = report.get("rows", run.rows_done)
        _finish(run, ImportRun.Status.SUCCEEDED, report)
    finally:
        progress.close()
    return run


def _failure_report(exc: ImportFailed) -> dict:
    return {
        **exc.details,
        "errors": [p.as_dict() for p in exc.problems],
        "errors_total": exc.total,
    }


def _finish(run: ImportRun, status: str, report: dict) -> None:
    run.status = status
    run.report = report
    run.finished_at = timezone.now()
    if status == ImportRun.Status.FAILED:
        run.rows_done = 0
    run.save(update_fields=["status", "report", "finished_at", "rows_done", "rows_total"])


def _importer(run: ImportRun):
    if run.kind == ImportRun.Kind.POLICE_UK:
        return _run_police_import
    if run.kind == ImportRun.Kind.HOME_OFFICE:
        return _run_table_import(import_home_office)
    if run.kind == ImportRun.Kind.ONS_POPULATION:
        return _run_table_import(import_ons_population)
    raise ImportFailed([Problem(run.original_filename, f"{run.kind!r} imports are not known.")])


def _run_table_import(importer):
    def run_it(run: ImportRun, progress) -> dict:
        return importer(Path(run.stored_file.path), run, run.original_filename, progress)

    return run_it


def import_table_path(kind: str, path: Path, progress=None, user=None) -> ImportRun:
    """Import a Home Office or ONS file from disk (the management commands) as a recorded run."""
    importer = {
        ImportRun.Kind.HOME_OFFICE: import_home_office,
        ImportRun.Kind.ONS_POPULATION: import_ons_population,
    }[kind]
    run = ImportRun.objects.create(
        kind=kind,
        status=ImportRun.Status.RUNNING,
        original_filename=Path(path).name[:255],
        started_at=timezone.now(),
        created_by=user,
    )
    try:
        report = importer(Path(path), run, Path(path).name, progress)
    except ImportFailed as exc:
        _finish(run, ImportRun.Status.FAILED, _failure_report(exc))
    else:
        run.rows_done = run.rows_total = report["rows"]
        _finish(run, ImportRun.Status.SUCCEEDED, report)
    return run


def _run_police_import(run: ImportRun, progress) -> dict:
    path = Path(run.stored_file.path)
    return import_police_uk(
        [path], run, run.partnership, progress, display_names={path: run.original_filename}
    )


def import_police_paths(
    paths: list[Path], partnership: Partnership | None, progress=None, user=None
) -> ImportRun:
    """Import files or folders from disk (the management command) as one recorded run."""
    run = ImportRun.objects.create(
        kind=ImportRun.Kind.POLICE_UK,
        partnership=partnership,
        status=ImportRun.Status.RUNNING,
        original_filename=", ".join(Path(p).name for p in paths)[:255],
        started_at=timezone.now(),
        created_by=user,
    )
    try:
        report = import_police_uk(paths, run, partnership, progress)
    except ImportFailed as exc:
        _finish(run, ImportRun.Status.FAILED, _failure_report(exc))
    else:
        run.rows_done = run.rows_total = report["rows"]
        _finish(run, ImportRun.Status.SUCCEEDED, report)
    return run


def visible_import_runs(user):
    """Imports a person may follow: their partnerships' (as officer), or all for superusers."""
    runs = ImportRun.objects.select_related("partnership", "created_by")
    if is_superuser(user):
        return runs
    ids = officer_partnership_ids(user)
    if not ids:
        return runs.none()
    return runs.filter(Q(partnership_id__in=ids) | Q(partnership__isnull=True))


# --- drafts from data ------------------------------------------------------------------------

POLICE_UK_DATASET = "data.police.uk street-level crime"
HOME_OFFICE_DATASET = "Home Office police recorded crime, CSP level"

COMPUTED_MEASURES = {
    "total-recorded-crime": ("Total recorded crime", "count"),
    "asb-incidents": ("ASB incidents", "count"),
    "crime-rate-per-1000": ("Crime rate per 1,000 population", "rate_per_1000"),
    "violent-crime-share": ("Violent crime as a share of all crime", "percentage"),
    "crimes-by-type": ("Crimes by type", "count"),
    "crimes-at-street": ("Crimes at a street", "count"),
    "crimes-in-lsoa": ("Crimes in an LSOA", "count"),
    "home-office-offences": ("Recorded offences (Home Office)", "count"),
    "home-office-rate-per-1000": ("Recorded offences per 1,000 population", "rate_per_1000"),
    "crime-rate-rank-in-force": ("Rank by crime rate among the force's partnerships", "rank"),
}
VIOLENCE = "Violence and sexual offences"


def _measure(key: str, name: str | None = None, unit: str | None = None):

    default_name, default_unit = COMPUTED_MEASURES.get(key, (name, unit))
    measure, _ = Measure.objects.get_or_create(
        key=key, defaults={"name": name or default_name, "unit": unit or default_unit}
    )
    return measure


def _unique_slug(base: str) -> str:

    slug, n = base, 1
    while Assessment.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def data_months() -> list:
    """Every month any police.uk data has been imported for, newest first.

    From the force-months held, not the crime records, which would all be read.
    """
    return list(PoliceMonth.objects.order_by("-month").values_list("month", flat=True).distinct())


def draft_from_data(partnership: Partnership, start, end, user=None):
    """Compute a draft assessment for the partnership's areas over [start, end] and store it.

    Every number is stored as a Figure at this moment: publishing later, or new data arriving,
    never changes them. What the data lacked is written into the draft's notes.
    """

    start, end = c.month_start(start), c.month_end(end)
    prev_start, prev_end = c.previous_period(start, end)
    area_ids = list(partnership.areas.values_list("pk", flat=True))
    notes: list[str] = []
    missing = c.months_without_data(area_ids, start, end)
    if missing:
        notes.append(
            "No police.uk data has been imported for "
            + ", ".join(f"{m:%B %Y}" for m in missing)
            + ": those months count as nothing."
        )
    missing_before = c.months_without_data(area_ids, prev_start, prev_end)
    # With no data at all before, there is nothing to compare with: no change is shown.
    comparable = len(missing_before) < len(c.months_in(prev_start, prev_end))
    if not comparable:
        notes.append(
            f"No police.uk data has been imported for the comparison period ({prev_start:%B %Y} "
            f"to {prev_end:%B %Y}): changes are not shown."
        )
    elif missing_before:
        notes.append(
            f"The comparison period ({prev_start:%B %Y} to {prev_end:%B %Y}) lacks data for "
            f"{len(missing_before)} of its months, so changes on it are not like for like."
        )
    no_location = (
        CrimeRecord.objects.filter(month__gte=start, month__lte=end, area=None, lsoa_code="")
        .crimes()
        .count()
    )
    if no_location:
        notes.append(
            f"{no_location:,} crimes in these months had no location in the police.uk data and "
            "are in no area's figures."
        )

    crime = c.total_with_change(area_ids, start, end)
    asb = c.total_with_change(area_ids, start, end, asb=True)
    current_types = c.counts_by_crime_type(area_ids, start, end)
    categories = c.category_rows(
        current_types, c.counts_by_crime_type(area_ids, prev_start, prev_end)
    )
    months = c.monthly_counts(area_ids, start, end)
    streets, unnamed = c.top_locations(area_ids, start, end)
    lsoas = c.top_lsoas(area_ids, start, end)
    if unnamed:
        notes.append(
            f"{unnamed:,} crimes had no street named (“On or near” with nothing after) and are "
            "not in the streets table."
        )
    people = c.population(area_ids, end.year)

    base = {"period_start": start, "period_end": end, "source_dataset": POLICE_UK_DATASET}
    compare = (
        {"comparison_period_start": prev_start, "comparison_period_end": prev_end}
        if comparable
        else {}
    )

    def earlier(value):
        return value if comparable else None

    figures: list[Figure] = []

    def add(section, measure_key, **values) -> None:
        figures.append(Figure(section=section, measure=_measure(measure_key), **{**base, **values}))

    add(
        "headline",
        "total-recorded-crime",
        value=crime.current,
        comparison_value=earlier(crime.previous),
        change_percent=earlier(crime.change),
        **compare,
    )
    add(
        "headline",
        "asb-incidents",
        value=asb.current,
        comparison_value=earlier(asb.previous),
        change_percent=earlier(asb.change),
        note="Anti-social behaviour is not crime and is not in the crime total.",
        **compare,
    )
    if people:
        count, year = people
        add(
            "headline",
            "crime-rate-per-1000",
            value=c.rate_per_1000(crime.current, count),
            note=f"{crime.current:,} crimes; population {count:,} (mid-{year} estimate).",
        )
    else:
        notes.append("No population estimate is imported for these areas: no rate per 1,000.")
    violence = current_types.get(VIOLENCE, 0)
    if crime.current:
        add(
            "headline",
            "violent-crime-share",
            value=c.share_percent(violence, crime.current),
            note=f"{VIOLENCE}: {violence:,} of {crime.current:,} crimes.",
        )
    for place in partnership.places.all():
        now = c.place_share(place, area_ids, start, end)
        before = c.place_share(place, area_ids, prev_start, prev_end)
        if now.share is None:
            continue
        figures.append(
            Figure(
                section="headline",
                measure=_measure(
                    f"share-of-crime-at-{slugify(place.name)}",
                    f"Share of crime at {place.name}",
                    "percentage",
                ),
                value=now.share,
                comparison_value=earlier(before.share),
                note=f"{now.at_place:,} of {now.total:,} crimes.",
                **base,
                **compare,
            )
        )
    for row in categories:
        add(
            "category",
            "crimes-by-type",
            label=row.crime_type,
            value=row.count,
            comparison_value=earlier(row.previous),
            change_percent=earlier(row.change),
            **compare,
        )
    for m in months:
        month = {"period_start": m.month, "period_end": c.month_end(m.month)}
        add("trend", "total-recorded-crime", value=m.crimes, **month)
        add("trend", "asb-incidents", value=m.asb, **month)
    for spot in streets:
        add(
            "hotspot_location",
            "crimes-at-street",
            label=f"{spot.label} ({spot.lsoa_name})",
            value=spot.count,
        )
    for spot in lsoas:
        add(
            "hotspot_lsoa",
            "crimes-in-lsoa",
            label=f"{spot.lsoa_name} ({spot.label})",
            value=spot.count,
        )
    figures += _type_hotspot_figures(area_ids, start, end, current_types, base)
    figures += _comparison_figures(partnership, start, end, base, notes)

    if not comparable:
        crime = c.Total(crime.current, crime.previous, None)
        asb = c.Total(asb.current, asb.previous, None)
    findings = _draft_findings(partnership, crime, asb, categories, figures)
    with transaction.atomic():
        assessment = Assessment.objects.create(
            partnership=partnership,
            slug=_unique_slug(f"{partnership.key}-{start:%Y-%m}-to-{end:%Y-%m}"),
            title=f"{partnership.short_name} strategic assessment, {_months_in_words(start, end)}",
            period_start=start,
            period_end=end,
            status=Assessment.Status.DRAFT,
            created_by=user if getattr(user, "is_authenticated", False) else None,
            data_notes=notes,
        )
        for order, figure in enumerate(figures, start=1):
            figure.assessment, figure.order = assessment, order
        Figure.objects.bulk_create(figures)
        KeyFinding.objects.bulk_create(
            KeyFinding(assessment=assessment, order=i, text=t)
            for i, t in enumerate(findings, start=1)
        )
    return assessment


MAJOR_TYPES = 5  # the largest crime types get their own hotspots
TYPE_HOTSPOTS = 5  # streets and LSOAs listed for each


def major_crime_types(counts: dict[str, int], limit: int = MAJOR_TYPES) -> list[str]:
    """The largest crime types of the period, most first; ASB is never among them."""
    ranked = sorted((t for t in counts if t != ASB and counts[t]), key=lambda t: (-counts[t], t))
    return ranked[:limit]


def _type_hotspot_figures(area_ids, start, end, current_types, base) -> list[Figure]:
    """Top streets and LSOAs for each major crime type, and for ASB, which officers target
    separately (it is not crime, so it is listed on its own, never in a crime total)."""
    types = major_crime_types(current_types)
    if c.asb_total(area_ids, start, end):
        types.append(ASB)
    out = []
    for crime_type in types:
        streets, _unnamed = c.top_locations(area_ids, start, end, crime_type, TYPE_HOTSPOTS)
        for spot in streets:
            out.append(
                Figure(
                    section=Figure.Section.TYPE_HOTSPOT_LOCATION,
                    measure=_measure("crimes-at-street"),
                    crime_type=crime_type,
                    label=f"{spot.label} ({spot.lsoa_name})",
                    value=spot.count,
                    **base,
                )
            )
        for spot in c.top_lsoas(area_ids, start, end, crime_type, TYPE_HOTSPOTS):
            out.append(
                Figure(
                    section=Figure.Section.TYPE_HOTSPOT_LSOA,
                    measure=_measure("crimes-in-lsoa"),
                    crime_type=crime_type,
                    label=f"{spot.lsoa_name} ({spot.label})",
                    value=spot.count,
                    **base,
                )
            )
    return out


def _months_in_words(start, end) -> str:
    if (start.year, start.month) == (end.year, end.month):
        return f"{start:%B %Y}"
    return f"{start:%B %Y} to {end:%B %Y}"


def _comparison_figures(partnership, start, end, base, notes) -> list:
    """Rates of the force's partnerships from Home Office tables, where they are imported."""

    quarters = c.quarters_in(start, end)
    if len(quarters) * 3 != len(c.months_in(start, end)):
        return []
    names = {a.name.casefold() for a in partnership.areas.all()}
    forces = set(
        OffenceCount.objects.filter(quarter_start__in=quarters, is_unassigned=False)
        .values_list("force", "csp_name")
        .distinct()
    )
    force = next((f for f, csp in forces if csp.casefold() in names), None)
    if force is None:
        notes.append("No Home Office CSP data is imported for this period: no comparison.")
        return []
    totals = c.csp_totals(force, start, end)
    populations = _populations_by_name(end.year)
    rates = c.csp_rates(totals, populations)
    unknown = [r.csp for r in rates if r.rate is None]
    if unknown:
        notes.append(
            "No population for " + ", ".join(unknown) + ": they are left out of the ranking."
        )
    base = {**base, "source_dataset": HOME_OFFICE_DATASET}
    out = []
    for r in rates:
        out.append(
            Figure(
                section="comparison",
                measure=_measure("home-office-offences"),
                label=r.csp,
                value=r.offences,
                **base,
            )
        )
        if r.rate is not None:
            out.append(
                Figure(
                    section="comparison",
                    measure=_measure("home-office-rate-per-1000"),
                    label=r.csp,
                    value=r.rate,
                    **base,
                )
            )
    ranked = {r.csp: r.rate for r in rates if r.rate is not None}
    mine = next((csp for csp in ranked if csp.casefold() in names), None)
    if mine and len(names) == 1:
        rank, out_of = c.rank_of(ranked, mine)
        out.append(
            Figure(
                section="headline",
                measure=_measure("crime-rate-rank-in-force"),
                label=f"Among the partnerships of {force}",
                value=rank,
                out_of=out_of,
                note="1 is the highest rate.",
                **base,
            )
        )
    return out


def _populations_by_name(year: int) -> dict[str, int]:
    """Latest population (up to `year`) of every area, by lower-case name."""
    out: dict[str, tuple[int, int]] = {}
    for name, y, people in AreaPopulation.objects.filter(year__lte=year).values_list(
        "area__name", "year", "population"
    ):
        key = name.casefold()
        if key not in out or y > out[key][0]:
            out[key] = (y, people)
    return {k: v[1] for k, v in out.items()}


def _draft_findings(partnership, crime, asb, categories, figures) -> list[str]:
    """Plain-English starting points for the officer to edit; never published unread."""

    out = []
    if crime.change is not None:
        out.append(
            f"Police recorded {crime.current:,} crimes in {partnership.short_name}, "
            f"{c.change_in_words(crime.change)} on the previous period ({crime.previous:,})."
        )
    else:
        out.append(f"Police recorded {crime.current:,} crimes in {partnership.short_name}.")
    if asb.change is not None:
        out.append(
            f"There were {asb.current:,} anti-social behaviour incidents, "
            f"{c.change_in_words(asb.change)} on the previous period ({asb.previous:,})."
        )
    if categories and categories[0].share is not None:
        top = categories[0]
        out.append(
            f"{top.crime_type} was the largest category: {top.share}% of all crime "
            f"({top.count:,} crimes)."
        )
    for f in figures:
        if f.measure.key == "crime-rate-rank-in-force":
            out.append(
                f"{partnership.short_name} had the {ordinal(int(f.value))} highest crime rate "
                f"per 1,000 population of {f.out_of} partnerships in the force."
            )
    return out


# --- editing and publishing ------------------------------------------------------------------


class AlreadyPublished(Exception):
    """A published assessment is a public record and does not change."""


def save_key_findings(assessment, title: str, findings: list[str], version: int):
    """Replace a draft's title and key findings, if nobody else saved it in the meantime."""

    with transaction.atomic():
        updated = Assessment.objects.filter(
            pk=assessment.pk, version=version, status=Assessment.Status.DRAFT
        ).update(title=title, version=F("version") + 1, updated_at=timezone.now())
        if not updated:
            current = Assessment.objects.get(pk=assessment.pk)
            if current.is_published:
                raise AlreadyPublished
            raise EditConflict(current, [])
        KeyFinding.objects.filter(assessment=assessment).delete()
        KeyFinding.objects.bulk_create(
            KeyFinding(assessment=assessment, order=i, text=t)
            for i, t in enumerate(findings, start=1)
        )
    assessment.refresh_from_db()
    return assessment


def publish(assessment, version: int):
    """Make a draft public; from now on it never changes."""

    updated = Assessment.objects.filter(
        pk=assessment.pk, version=version, status=Assessment.Status.DRAFT
    ).update(
        status=Assessment.Status.PUBLISHED,
        published_at=timezone.now(),
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    if not updated:
        current = Assessment.objects.get(pk=assessment.pk)
        if current.is_published:
            raise AlreadyPublished
        raise EditConflict(current, [])
    assessment.refresh_from_db()
    return assessment


# --- places and the crime-type mapping (officers' reference data) ----------------------------


def _create_audited(model, values: dict, user):
    """Create a row and its history entry together, so neither exists without the other."""
    with transaction.atomic():
        obj = model.objects.create(**values)
        record(obj, AuditEntry.Event.CREATE, user, after=snapshot(obj))
    return obj


def _update_audited(model, pk: int, version: int, values: dict, user):
    """Claim the row at the version the officer saw, then change it and record what changed."""

    def change(obj) -> None:
        for name, value in values.items():
            setattr(obj, name, value)
        obj.save()

    return locked_update(model, pk, version, change, user, channel="browser")


def create_place(values: dict, user) -> Place:
    return _create_audited(Place, values, user)


def update_place(place: Place, version: int, values: dict, user) -> Place:
    return _update_audited(Place, place.pk, version, values, user)


def create_crime_type_mapping(values: dict, user) -> CrimeTypeMapping:
    return _create_audited(CrimeTypeMapping, values, user)


def update_crime_type_mapping(mapping: CrimeTypeMapping, version: int, values: dict, user):
    return _update_audited(CrimeTypeMapping, mapping.pk, version, values, user)


def officer_places(user):
    """Places of the partnerships where the person is an officer (all, for superusers)."""
    places = Place.objects.select_related("partnership")
    if is_superuser(user):
        return places
    return places.filter(partnership_id__in=officer_partnership_ids(user))
