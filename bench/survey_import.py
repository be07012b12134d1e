"""Benchmark the survey raw-response import against PostgreSQL's own COPY of the same answers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/csp_portal \\
        .venv/bin/python bench/survey_import.py --respondents 2000 20000

Seeds both strategies and surveys into a throwaway database (csp_portal_bench_survey), sets up a
2026 survey from the 2025 questionnaire as an officer would, and generates a survey-tool export
(43 rating columns, two demographics, a free-text column, blanks, unknown answers, a duplicated
heading, Windows-1252) with the same generator the tests use. It times the whole import as an
officer runs it (read and match the file, the officer's answer choices, then the all-or-nothing
import that replaces the survey's responses and recomputes the suppressed aggregates), then, in
the same run, COPYs the same answers (one row per respondent and column, as text) into a bare
table. Prints answers per second for both, the ratio, and the peak resident memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csp_portal.settings_test")

BENCH_DB = "csp_portal_bench_survey"


def peak_rss_mb() -> float:
    """The process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--respondents", type=int, nargs="+", default=[2000, 20000])
    args = parser.parse_args()

    import django

    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the comparison is with COPY.")
    django.setup()
    from django.db import connection

    connection.settings_dict["TEST"]["NAME"] = BENCH_DB
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        for respondents in args.respondents:
            run_bench(respondents)
    finally:
        connection.creation.destroy_test_db(BENCH_DB, verbosity=0)


def _survey_2026(officer):
    """A new survey set up from the 2025 questionnaire, as in the import tests."""
    from partners.models import Partnership
    from surveys import services
    from surveys.models import Survey

    return services.create_survey(
        officer,
        partnership=Partnership.objects.get(key="dartford"),
        title=f"Bench survey {time.time_ns()}",
        copy_from=Survey.objects.get(slug="dartford-public-survey-2025"),
        fieldwork_start=dt.date(2026, 2, 1),
        fieldwork_end=dt.date(2026, 3, 1),
        retention_days=180,
    )


def _officer():
    from django.core.management import call_command

    from partners.models import Partnership, Role, User

    if not Partnership.objects.filter(key="dartford").exists():
        call_command("load_seed_data", stdout=io.StringIO())
    officer, _ = User.objects.get_or_create(username="bench-officer")
    Role.objects.get_or_create(
        user=officer, partnership=Partnership.objects.get(key="dartford"), role=Role.Name.OFFICER
    )
    return officer


def run_bench(respondents: int) -> None:
    import csv

    from django.db import connection

    from surveys import services
    from surveys.models import Answer
    from surveys.tests.exports import generate, officer_answer_map

    officer = _officer()
    survey = _survey_2026(officer)
    export = generate(survey, respondents=respondents)
    rss_before = peak_rss_mb()

    t = time.perf_counter()
    upload = services.start_import(officer, survey, "export.csv", export.content)
    imported = services.run_import(officer, upload, officer_answer_map(upload))
    import_s = time.perf_counter() - t
    rss_after = peak_rss_mb()
    assert imported == respondents
    answers = Answer.objects.filter(respondent__survey=survey).count()

    # The baseline: the same non-blank answers, one text row each, COPYed into a bare table.
    reader = csv.reader(io.StringIO(export.content.decode("cp1252")))
    headers = next(reader)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    copied_rows = 0
    for row in reader:
        for column, cell in enumerate(row[1:-1], start=1):
            if cell:
                writer.writerow([row[0], headers[column], cell])
                copied_rows += 1
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_answers")
        cursor.execute("CREATE TABLE bench_answers (respondent text, question text, answer text)")
        t = time.perf_counter()
        cursor.copy_expert("COPY bench_answers FROM STDIN WITH (FORMAT csv)", buffer)
        copy_s = time.perf_counter() - t

    import_rate = answers / import_s
    copy_rate = copied_rows / copy_s
    print(f"{respondents:,} respondents, {answers:,} answers stored ({copied_rows:,} cells copied)")
    print(
        f"  Import (read, match, check, replace, recompute): {import_s:7.2f} s "
        f"{import_rate:10,.0f} answers/s"
    )
    print(
        f"  COPY of the same cells into a bare table:        {copy_s:7.2f} s "
        f"{copy_rate:10,.0f} rows/s"
    )
    print(f"  Ratio (import / COPY): {import_rate / copy_rate:.3f}")
    print(
        f"  Peak memory (resident, whole process): {rss_after:,.0f} MB "
        f"({rss_after - rss_before:+,.0f} MB during the import)"
    )


if __name__ == "__main__":
    main()
