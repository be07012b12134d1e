"""data.police.uk imports: the real extract's counts, all-or-nothing, idempotence, bad files."""

import csv
import datetime as dt
import io
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from assessments.filechecks import ImportFailed
from assessments.imports import COLUMNS as COPY_COLUMNS
from assessments.imports import POLICE_UK_HEADER, import_police_uk
from assessments.models import ASB, CrimeRecord, ImportRun, Lsoa, PoliceMonth
from assessments.services import data_months
from assessments.tests.conftest import POLICE_NO_LOCATION, POLICE_SAMPLE
from partners.models import Area

HEADER = ",".join(POLICE_UK_HEADER)


def read_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def run_import(paths, partnership=None, **kwargs) -> dict:
    run = ImportRun.objects.create(kind=ImportRun.Kind.POLICE_UK, partnership=partnership)
    return import_police_uk([Path(p) for p in paths], run, partnership, **kwargs)


def failure(paths, partnership=None, **kwargs) -> ImportFailed:
    with pytest.raises(ImportFailed) as caught:
        run_import(paths, partnership, **kwargs)
    return caught.value


def write(tmp_path, name: str, text: str, encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def sample_lines(n: int) -> list[str]:
    """The first n data lines of the real extract, as published."""
    return POLICE_SAMPLE.read_text(encoding="utf-8").splitlines()[1 : n + 1]


def db_counts() -> Counter:
    return Counter(
        (r["area__name"], r["crime_type"])
        for r in CrimeRecord.objects.values("area__name", "crime_type")
    )


def test_it_imports_the_real_extract_with_the_counts_of_the_csv(dartford):
    report = run_import([POLICE_SAMPLE, POLICE_NO_LOCATION], dartford, chunk_rows=500)
    rows = read_rows(POLICE_SAMPLE) + read_rows(POLICE_NO_LOCATION)
    expected = Counter(
        (r["LSOA name"].rsplit(" ", 1)[0] if r["LSOA name"] else None, r["Crime type"])
        for r in rows
    )
    assert db_counts() == expected
    assert CrimeRecord.objects.count() == report["rows"] == len(rows)


def test_it_reports_rows_inside_outside_and_without_location(dartford):
    report = run_import([POLICE_SAMPLE, POLICE_NO_LOCATION], dartford)
    rows = read_rows(POLICE_SAMPLE)
    districts = Counter(r["LSOA name"].rsplit(" ", 1)[0] for r in rows)
    no_location = read_rows(POLICE_NO_LOCATION)
    assert report["in_partnership"] == {"Dartford": districts["Dartford"]}
    assert report["other_areas"] == {"Gravesham": districts["Gravesham"]}
    assert report["no_location"] == len(no_location)
    assert report["in_partnership_total"] + report["outside_partnership_total"] + report[
        "no_location"
    ] == len(rows) + len(no_location)


def test_it_keeps_asb_apart_from_crime(dartford):
    report = run_import([POLICE_SAMPLE], dartford)
    rows = read_rows(POLICE_SAMPLE)
    asb = sum(r["Crime type"] == ASB for r in rows)
    assert report["asb"] == asb == CrimeRecord.objects.asb().count()
    assert report["crimes"] == len(rows) - asb == CrimeRecord.objects.crimes().count()
    assert all(r["Crime ID"] == "" for r in rows if r["Crime type"] == ASB)


def test_it_keeps_every_column_of_a_row(dartford):
    run_import([POLICE_SAMPLE], dartford)
    first = read_rows(POLICE_SAMPLE)[0]
    record = CrimeRecord.objects.order_by("pk").first()
    assert record.force == first["Falls within"] == "Kent Police"
    assert record.month.isoformat() == first["Month"] + "-01"
    assert record.location == first["Location"]
    assert record.lsoa_code == first["LSOA code"]
    assert record.longitude == pytest.approx(float(first["Longitude"]))
    assert record.area.name == "Dartford"


def test_importing_the_same_file_twice_equals_once(dartford):
    run_import([POLICE_SAMPLE], dartford)
    once = sorted(CrimeRecord.objects.values_list("crime_type", "lsoa_code", "location"))
    report = run_import([POLICE_SAMPLE], dartford)
    twice = sorted(CrimeRecord.objects.values_list("crime_type", "lsoa_code", "location"))
    assert once == twice
    assert report["force_months"] == [
        {"force": "Kent Police", "month": "2023-02", "rows": len(once), "replaced_rows": len(once)}
    ]


def test_a_corrected_file_replaces_the_old_month(dartford, tmp_path):
    run_import([POLICE_SAMPLE], dartford)
    corrected = write(tmp_path, "2023-02-kent-street.csv", "\n".join([HEADER, *sample_lines(10)]))
    run_import([corrected], dartford)
    assert CrimeRecord.objects.count() == 10
    assert ImportRun.objects.count() == 2


def held() -> list[tuple]:
    return list(PoliceMonth.objects.values_list("force", "month", "import_run_id", "rows"))


def test_it_records_each_force_month_it_holds_with_its_import(dartford):
    run_import([POLICE_SAMPLE], dartford)
    run = ImportRun.objects.get()
    assert held() == [("Kent Police", dt.date(2023, 2, 1), run.pk, len(read_rows(POLICE_SAMPLE)))]


def test_a_corrected_file_takes_over_the_force_month(dartford, tmp_path):
    run_import([POLICE_SAMPLE], dartford)
    corrected = write(tmp_path, "2023-02-kent-street.csv", "\n".join([HEADER, *sample_lines(10)]))
    run_import([corrected], dartford)
    latest = ImportRun.objects.latest("pk")
    assert held() == [("Kent Police", dt.date(2023, 2, 1), latest.pk, 10)]


def test_a_failed_import_leaves_the_force_months_held_as_they_were(dartford, tmp_path):
    run_import([POLICE_SAMPLE], dartford)
    before = held()
    march = [line.replace(",2023-02,", ",2023-03,") for line in sample_lines(5)]
    bad = bad_row(tmp_path, "Month", "2023-13", name="2023-02-kent-street.csv")
    good = write(tmp_path, "2023-03-kent-street.csv", "\n".join([HEADER, *march]))
    failure([good, bad], dartford)
    assert held() == before


def test_the_months_with_data_are_those_held_newest_first(dartford, tmp_path):
    run_import([POLICE_SAMPLE], dartford)
    march = [line.replace(",2023-02,", ",2023-03,") for line in sample_lines(5)]
    run_import([write(tmp_path, "2023-03-kent-street.csv", "\n".join([HEADER, *march]))])
    assert data_months() == [dt.date(2023, 3, 1), dt.date(2023, 2, 1)]


def test_it_leaves_other_months_alone(dartford, tmp_path):
    run_import([POLICE_SAMPLE], dartford)
    march = [line.replace(",2023-02,", ",2023-03,") for line in sample_lines(5)]
    run_import([write(tmp_path, "2023-03-kent-street.csv", "\n".join([HEADER, *march]))])
    assert CrimeRecord.objects.filter(month="2023-02-01").count() == len(read_rows(POLICE_SAMPLE))
    assert CrimeRecord.objects.filter(month="2023-03-01").count() == 5


def test_it_reads_the_monthly_archive_folder_layout(dartford, tmp_path):
    archive = tmp_path / "police-data.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(POLICE_SAMPLE, "2023-02/2023-02-kent-street.csv")
        z.writestr("2023-02/2023-02-kent-outcomes.csv", "Crime ID,Month\n")
    report = run_import([archive], dartford)
    assert report["rows"] == len(read_rows(POLICE_SAMPLE))
    assert report["skipped_files"] == [
        {
            "file": "police-data.zip/2023-02/2023-02-kent-outcomes.csv",
            "reason": "not a street-level CSV file",
        }
    ]


def test_it_assigns_a_row_without_lsoa_name_by_its_code(dartford, tmp_path):
    first = sample_lines(1)[0]
    without_name = first.replace("Dartford 001A", "")
    path = write(tmp_path, "street.csv", "\n".join([HEADER, first, without_name]))
    run_import([path], dartford)
    assert set(CrimeRecord.objects.values_list("area__name", flat=True)) == {"Dartford"}


def test_it_reads_windows_1252_and_utf8_with_bom(dartford, tmp_path):
    line = sample_lines(2)[1].replace("On or near Peary Mead", "On or near Café Parade")
    assert "Café" in line
    cp1252 = write(tmp_path, "a-street.csv", f"{HEADER}\r\n{line}\r\n", encoding="cp1252")
    bom = write(tmp_path, "b-street.csv", f"\ufeff{HEADER}\n{line}\n")
    report = run_import([cp1252, bom], dartford)
    assert [f["encoding"] for f in report["files"]] == ["Windows-1252", "UTF-8 with BOM"]
    assert list(CrimeRecord.objects.values_list("location", flat=True)) == [
        "On or near Café Parade",
        "On or near Café Parade",
    ]


def bad_row(tmp_path, column: str, value: str, row: int = 3, name: str = "s.csv") -> Path:
    lines = sample_lines(5)
    cells = next(csv.reader([lines[row - 2]]))
    cells[POLICE_UK_HEADER.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    lines[row - 2] = out.getvalue()
    return write(tmp_path, name, "\n".join([HEADER, *lines]))


@pytest.mark.parametrize(
    ("make", "row", "column", "reason"),
    [
        (
            lambda t: write(
                t, "s.csv", HEADER.replace("Longitude", "Lon") + "\n" + sample_lines(1)[0]
            ),
            1,
            "Longitude",
            "column 5 of the header is 'Lon' where 'Longitude' was expected",
        ),
        (lambda t: bad_row(t, "Month", "2025-13"), 3, "Month", "'2025-13' is not a month"),
        (lambda t: bad_row(t, "Longitude", "east"), 3, "Longitude", "'east' is not a number"),
        (lambda t: bad_row(t, "Latitude", "451.2"), 3, "Latitude", "between -90 and 90"),
        (lambda t: bad_row(t, "Crime type", "Violent crime"), 3, "Crime type", "not one of"),
        (lambda t: bad_row(t, "LSOA code", "DA1 1DR"), 3, "LSOA code", "not an LSOA code"),
        (lambda t: write(t, "s.csv", ""), None, "", "is empty"),
        (lambda t: write(t, "s.csv", HEADER + "\n"), None, "", "has a header but no rows"),
        (lambda t: write(t, "s.csv", HEADER + "\n\n\n"), None, "", "has a header but no rows"),
        (
            lambda t: write(t, "s.csv", "\n".join([HEADER, sample_lines(1)[0] + ",extra"])),
            2,
            "",
            "has 13 columns where the header has 12",
        ),
        (
            lambda t: write(
                t, "s.csv", "\n".join([HEADER, *sample_lines(2), sample_lines(3)[2] + ",x,y"])
            ),
            4,
            "",
            "has 14 columns where the header has 12",
        ),
        (
            lambda t: write(
                t, "s.csv", "\n".join([HEADER, sample_lines(1)[0], "", sample_lines(2)[1]])
            ),
            3,
            "",
            "the row is empty",
        ),
    ],
)
def test_a_bad_file_gives_a_clear_report_and_writes_nothing(
    dartford, tmp_path, make, row, column, reason
):
    run_import([POLICE_SAMPLE], dartford)
    before = sorted(CrimeRecord.objects.values_list("pk", flat=True))
    problem = failure([make(tmp_path)], dartford).problems[0]
    assert reason in problem.reason
    assert (problem.file, problem.row, problem.column) == ("s.csv", row, column)
    assert sorted(CrimeRecord.objects.values_list("pk", flat=True)) == before


def test_it_refuses_a_binary_named_csv(dartford, tmp_path):
    path = tmp_path / "2023-02-kent-street.csv"
    path.write_bytes(bytes(range(256)) * 10)
    problem = failure([path]).problems[0]
    assert "is not a CSV file" in problem.reason
    assert CrimeRecord.objects.count() == 0


def test_it_refuses_a_workbook_named_csv(dartford, tmp_path):
    path = tmp_path / "crime.csv"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    assert "ZIP archive" in failure([path]).problems[0].reason


def test_it_refuses_text_that_is_neither_utf8_nor_windows_1252(dartford, tmp_path):
    line = sample_lines(2)[1].encode("utf-8").replace(b"Peary", b"P\x81ary\xff")
    assert b"\x81" in line
    path = tmp_path / "street.csv"
    path.write_bytes(HEADER.encode() + b"\n" + line + b"\n")
    assert "neither UTF-8 nor Windows-1252" in failure([path]).problems[0].reason


def test_it_refuses_a_zip_bomb_before_unpacking(dartford, tmp_path):
    bomb = tmp_path / "police.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("2023-02/2023-02-kent-street.csv", b"\0" * (50 << 20))
    assert bomb.stat().st_size < 200_000
    reason = failure([bomb]).problems[0].reason
    assert "zip bomb" in reason
    assert CrimeRecord.objects.count() == 0


def test_it_refuses_an_archive_larger_than_allowed_unpacked(dartford, tmp_path, settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 100_000
    archive = tmp_path / "police.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(POLICE_SAMPLE, "2023-02/2023-02-kent-street.csv")
    assert "more than the" in failure([archive]).problems[0].reason


def test_a_bad_row_in_the_second_file_writes_nothing_from_the_first(dartford, tmp_path):
    bad = bad_row(tmp_path, "Month", "2023-2", name="2023-02-kent-street.csv")
    failed = failure([POLICE_SAMPLE, bad], dartford, chunk_rows=300)
    assert failed.problems[0].file == "2023-02-kent-street.csv"
    assert CrimeRecord.objects.count() == 0


def test_it_reports_every_bad_row_with_its_row_number_across_chunks(dartford, tmp_path):
    lines = POLICE_SAMPLE.read_text(encoding="utf-8").splitlines()
    for row in (5, 1500):  # row numbers count the header as row 1
        lines[row - 1] = lines[row - 1].replace(",2023-02,", ",Feb 2023,")
    path = write(tmp_path, "street.csv", "\n".join(lines))
    failed = failure([path], dartford, chunk_rows=400)
    assert [(p.row, p.column) for p in failed.problems] == [(5, "Month"), (1500, "Month")]
    assert failed.total == 2


def test_the_command_imports_with_a_summary(dartford, capsys):
    call_command(
        "import_police_uk",
        str(POLICE_SAMPLE.parent),
        "--partnership",
        "dartford",
        "--no-progress",
    )
    out = capsys.readouterr().out
    assert "In Dartford: 1,059" in out
    assert "No location: 86" in out
    assert "README.md: skipped" in out
    assert ImportRun.objects.get().status == ImportRun.Status.SUCCEEDED


def test_the_command_fails_naming_the_problem(dartford, tmp_path):
    bad = bad_row(tmp_path, "Month", "2025-13")
    with pytest.raises(CommandError, match="row 3, column Month: '2025-13' is not a month"):
        call_command("import_police_uk", str(bad), "--no-progress")
    assert ImportRun.objects.get().status == ImportRun.Status.FAILED
    assert CrimeRecord.objects.count() == 0


def test_it_counts_areas_it_does_not_know_as_outside(dartford, tmp_path):
    Area.objects.filter(name="Gravesham").delete()
    report = run_import([POLICE_SAMPLE], dartford)
    gravesham = sum(r["LSOA name"].startswith("Gravesham") for r in read_rows(POLICE_SAMPLE))
    assert report["unknown_districts"] == {"Gravesham": gravesham}
    assert CrimeRecord.objects.filter(area=None).count() == gravesham


def test_it_escapes_values_for_copy_and_writes_missing_coordinates_as_null():
    import pandas as pd

    from assessments.imports import copy_text

    row = dict.fromkeys(POLICE_UK_HEADER, "")
    row.update({"Month": "2023-02", "Falls within": "Kent Police", "Location": "A\\B\tC\nD"})
    line = copy_text(pd.DataFrame([row]), pd.Series([float("nan")]), 7)
    fields = line.rstrip("\n").split("\t")
    assert fields[2] == "2023-02-01"
    assert fields[7] == "A\\\\B\\tC\\nD"
    assert fields[8] == fields[9] == fields[10] == "\\N"
    assert fields[13] == "7"


def test_it_keeps_awkward_characters_exactly(dartford, tmp_path):
    cells = next(csv.reader([sample_lines(1)[0]]))
    cells[POLICE_UK_HEADER.index("Location")] = 'On or near "The Bell" \\ Back\tLane'
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    run_import([write(tmp_path, "street.csv", HEADER + "\n" + out.getvalue())], dartford)
    assert CrimeRecord.objects.get().location == 'On or near "The Bell" \\ Back\tLane'


def test_it_places_a_code_only_row_by_an_earlier_import(dartford, tmp_path):
    run_import([POLICE_SAMPLE], dartford)
    first = sample_lines(1)[0]
    march = first.replace(",2023-02,", ",2023-03,").replace("Dartford 001A", "")
    run_import([write(tmp_path, "2023-03-kent-street.csv", f"{HEADER}\n{march}\n")], dartford)
    assert CrimeRecord.objects.get(month="2023-03-01").area.name == "Dartford"


def test_it_remembers_the_area_of_every_lsoa_it_placed(dartford):
    run_import([POLICE_SAMPLE], dartford)
    expected = {(r["LSOA code"], r["LSOA name"].split()[0]) for r in read_rows(POLICE_SAMPLE)}
    assert set(Lsoa.objects.values_list("code", "area__name")) == expected


def test_a_failed_import_remembers_no_lsoa(dartford, tmp_path):
    bad = bad_row(tmp_path, "Month", "2023-2", name="2023-02-kent-street.csv")
    failure([POLICE_SAMPLE, bad], dartford, chunk_rows=300)
    assert not Lsoa.objects.exists()


def test_it_places_a_code_only_row_by_memory_once_the_earlier_rows_are_replaced(dartford, tmp_path):
    """The February rows that named the LSOA are gone; what they taught the importer is not."""
    run_import([POLICE_SAMPLE], dartford)
    first = sample_lines(1)[0]
    code_only = first.replace("Dartford 001A", "")
    replaced = write(tmp_path, "2023-02-kent-street.csv", f"{HEADER}\n{code_only}\n")
    run_import([replaced], dartford)
    assert CrimeRecord.objects.get().area.name == "Dartford"


# --- the fast reader (pyarrow) and the exact reader (pandas) ---------------------------------

# Every column the importer writes, with the area by name so the two imports compare.
RECORD_FIELDS = [
    "area__name" if c == "area_id" else c for c in COPY_COLUMNS if c != "import_run_id"
]


def stored_rows() -> list[tuple]:
    return list(CrimeRecord.objects.order_by("pk").values_list(*RECORD_FIELDS))


def read_again(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "read again" in r.getMessage()]


def test_the_fast_and_the_exact_reader_import_the_same(dartford, monkeypatch, caplog):
    import assessments.imports as imports

    caplog.set_level("INFO", logger="assessments.imports")
    Area.objects.filter(name="Gravesham").delete()  # rows placed, unplaced and without location
    paths = [POLICE_SAMPLE, POLICE_NO_LOCATION]
    fast = run_import(paths, dartford, chunk_rows=500)
    fast_rows = stored_rows()
    assert read_again(caplog) == []  # the fast reader took both files

    def not_sure(*args, **kwargs):
        raise imports._NotFast("told to")
        yield

    monkeypatch.setattr(imports, "_prepare_fast", not_sure)
    exact = run_import(paths, dartford, chunk_rows=500)
    assert len(read_again(caplog)) == 2
    for report in (fast, exact):
        for entry in report["force_months"]:
            entry.pop("replaced_rows")
    assert fast == exact
    assert stored_rows() == fast_rows


def test_a_row_only_the_exact_reader_takes_undoes_the_fast_readers_chunks(
    dartford, tmp_path, caplog
):
    """A trailing comma (13 fields, the last empty) is no problem to the exact reader; the fast
    reader meets it after writing chunks, which are undone before the file is read again."""
    caplog.set_level("INFO", logger="assessments.imports")
    lines = POLICE_SAMPLE.read_text(encoding="utf-8").splitlines()
    lines[-1] += ","
    path = write(tmp_path, "2023-02-kent-street.csv", "\n".join(lines) + "\n")
    report = run_import([path], dartford, chunk_rows=200)
    assert read_again(caplog)
    assert report["rows"] == len(lines) - 1 == CrimeRecord.objects.count()
    assert report["force_months"] == [
        {"force": "Kent Police", "month": "2023-02", "rows": len(lines) - 1, "replaced_rows": 0}
    ]
    assert sum(report["in_partnership"].values()) + sum(report["other_areas"].values()) == (
        len(lines) - 1
    )


def test_the_fast_reader_keeps_quotes_newlines_and_crlf_exactly(dartford, tmp_path, caplog):
    caplog.set_level("INFO", logger="assessments.imports")
    awkward = 'On or near "The Bell" \\ Back\tLane,\r\nnext line'
    first, second = (next(csv.reader([line])) for line in sample_lines(2))
    first[POLICE_UK_HEADER.index("Location")] = awkward
    second[POLICE_UK_HEADER.index("Longitude")] = ""
    second[POLICE_UK_HEADER.index("Latitude")] = ""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(POLICE_UK_HEADER)
    writer.writerows([first, second])
    run_import([write(tmp_path, "street.csv", out.getvalue())], dartford)
    assert read_again(caplog) == []
    one, two = CrimeRecord.objects.order_by("pk")
    assert one.location == awkward
    assert one.longitude == float(first[POLICE_UK_HEADER.index("Longitude")])
    assert one.month.isoformat() == "2023-02-01"
    assert (two.longitude, two.latitude) == (None, None)
    assert one.area.name == two.area.name == "Dartford"
