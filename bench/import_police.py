"""Benchmark the police.uk importer against PostgreSQL's own COPY of the same file.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csp_portal \\
        .venv/bin/python bench/import_police.py --rows 100000

Generates a police.uk street-level CSV of N rows (the real header, a realistic mix of crime
types, ASB rows without a Crime ID, rows without a location, each LSOA code always with the
same LSOA name as in real files, three of the five districts unknown to the portal), imports it
with the project's importer (checks, area assignment, force-month replacement, one transaction),
then loads the same file into a bare table (twelve text columns, no indexes, no checks) with
COPY. Prints rows per second for both, their ratio and the importer's peak memory.

Runs in a throwaway database (csp_portal_bench) that it creates and drops: the database named in
DATABASE_URL is only used to connect.
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csp_portal.settings_test")

CRIME_TYPES = [
    ("Violence and sexual offences", 34),
    ("Anti-social behaviour", 12),
    ("Vehicle crime", 10),
    ("Shoplifting", 9),
    ("Criminal damage and arson", 9),
    ("Other theft", 8),
    ("Public order", 6),
    ("Drugs", 5),
    ("Burglary", 3),
    ("Other crime", 3),
    ("Theft from the person", 1),
    ("Robbery", 1),
    ("Bicycle theft", 1),
    ("Possession of weapons", 1),
]
OUTCOMES = [
    "Investigation complete; no suspect identified",
    "Unable to prosecute suspect",
    "Under investigation",
    "Awaiting court outcome",
    "Local resolution",
]
DISTRICTS = ["Dartford", "Gravesham", "Sevenoaks", "Medway", "Maidstone"]
HEADER = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
]


def generate(path: Path, rows: int, seed: int = 2023) -> None:
    """Write a police.uk-format file of `rows` rows for one force-month, streaming.

    Rows come in the order real files list them: by LSOA name, then the rows with no location.
    """
    rnd = random.Random(seed)  # noqa: S311 - repeatable test data, not secrets
    types = [t for t, w in CRIME_TYPES for _ in range(w)]
    streets = [f"On or near Street {i}" for i in range(400)] + ["On or near "] * 40
    # One code per LSOA name, as in real files.
    lsoas = sorted(
        (f"{district} {n:03d}{'ABCDE'[n % 5]}", f"E0102{d * 100 + n:04d}")
        for d, district in enumerate(DISTRICTS)
        for n in range(1, 90)
    )
    per_lsoa = [0] * len(lsoas)
    no_location = 0
    for _ in range(rows):
        if rnd.random() < 0.04:
            no_location += 1
        else:
            per_lsoa[rnd.randrange(len(lsoas))] += 1

    def crime() -> tuple[str, str, str]:
        crime_type = rnd.choice(types)
        asb = crime_type == "Anti-social behaviour"
        crime_id = "" if asb else f"{rnd.getrandbits(256):064x}"
        return crime_id, crime_type, "" if asb else rnd.choice(OUTCOMES)

    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(HEADER)
        for (name, code), count in zip(lsoas, per_lsoa, strict=True):
            for _ in range(count):
                crime_id, crime_type, outcome = crime()
                out.writerow(
                    [
                        crime_id,
                        "2023-02",
                        "Kent Police",
                        "Kent Police",
                        f"{0.1 + rnd.random() * 0.5:.6f}",
                        f"{51.2 + rnd.random() * 0.3:.6f}",
                        rnd.choice(streets),
                        code,
                        name,
                        crime_type,
                        outcome,
                        "",
                    ]
                )
        for _ in range(no_location):
            crime_id, crime_type, outcome = crime()
            out.writerow(
                [
                    crime_id,
                    "2023-02",
                    "Kent Police",
                    "Kent Police",
                    "",
                    "",
                    "No Location",
                    "",
                    "",
                    crime_type,
                    outcome,
                    "",
                ]
            )


def peak_rss_mb() -> float:
    """The process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--chunk-rows", type=int, default=None)
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="Also measure Python allocations (slows the import; off for the timed run).",
    )
    args = parser.parse_args()

    import django

    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the comparison is with COPY.")
    django.setup()
    from django.db import connection

    connection.settings_dict["TEST"]["NAME"] = "csp_portal_bench"

    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        run_bench(args)
    finally:
        connection.creation.destroy_test_db("csp_portal_bench", verbosity=0)


def run_bench(args) -> None:
    from django.db import connection

    from assessments.imports import CHUNK_ROWS, import_police_uk
    from assessments.models import CrimeRecord, ImportRun
    from partners.models import Area, Partnership

    for code, name in (("E07000107", "Dartford"), ("E07000109", "Gravesham")):
        Area.objects.create(gss_code=code, name=name)
    partnership = Partnership.objects.create(key="dartford", name="Dartford CSP", short_name="D")
    partnership.areas.set(Area.objects.filter(name="Dartford"))

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "2023-02-kent-street.csv"
        t = time.perf_counter()
        generate(path, args.rows)
        print(
            f"Generated {args.rows:,} rows ({path.stat().st_size / 1e6:,.1f} MB) "
            f"in {time.perf_counter() - t:.1f} s"
        )
        gc.collect()
        rss_before = peak_rss_mb()

        run = ImportRun.objects.create(kind=ImportRun.Kind.POLICE_UK, partnership=partnership)
        t = time.perf_counter()
        report = import_police_uk(
            [path], run, partnership, chunk_rows=args.chunk_rows or CHUNK_ROWS
        )
        importer_s = time.perf_counter() - t
        rss_after = peak_rss_mb()
        assert report["rows"] == args.rows == CrimeRecord.objects.count()

        traced = None
        if args.tracemalloc:
            tracemalloc.start()
            again = ImportRun.objects.create(kind=ImportRun.Kind.POLICE_UK)
            import_police_uk([path], again, partnership)
            traced = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()

        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE bench_copy (" + ", ".join(f'"{c}" text' for c in HEADER) + ")"
            )
        t = time.perf_counter()
        with connection.cursor() as cursor, path.open("r", encoding="utf-8") as f:
            cursor.copy_expert("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)", f)
            cursor.execute("SELECT count(*) FROM bench_copy")
            copied = cursor.fetchone()[0]
        copy_s = time.perf_counter() - t
        assert copied == args.rows

    importer_rate = args.rows / importer_s
    copy_rate = args.rows / copy_s
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Load average (1, 5, 15 min) at the end: {load}  (2 CPUs; timings vary with it)")
    print(f"Importer: {importer_s:8.2f} s  {importer_rate:12,.0f} rows/s")
    print(f"COPY:     {copy_s:8.2f} s  {copy_rate:12,.0f} rows/s")
    print(f"Ratio (importer / COPY): {importer_rate / copy_rate:.2f}  (target at least 0.50)")
    print(
        f"Peak memory (resident, whole process): {rss_after:,.0f} MB "
        f"({rss_after - rss_before:+,.0f} MB during the import; target under 500 MB)"
    )
    if traced is not None:
        print(f"Peak Python allocations during a second import (tracemalloc): {traced:,.0f} MB")


if __name__ == "__main__":
    main()
