"""Home Office CSP tables and ONS population imports: sheets, quirks, all-or-nothing, repeats."""

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from assessments import services
from assessments.filechecks import ImportFailed
from assessments.models import ImportRun, OffenceCount
from assessments.table_imports import import_home_office, import_ons_population, quarter_start
from partners.models import Area, AreaPopulation

HEADER = [
    "Financial Year",
    "Financial Quarter",
    "Police Force",
    "CSP Name",
    "Offence Description",
    "Offence Group",
    "Offence Subgroup",
    "Offence Code",
    "Offence Count",
]


def ho_rows(fy="2023/24", quarters=(3, 4), force="Kent", counts=None):
    """Rows for Dartford (two spellings), Gravesham and the force's Unassigned pseudo-CSP."""
    counts = counts or {"Dartford": 100, "DARTFORD": 10, "Gravesham": 80, "Unassigned": 5}
    return [
        [fy, q, force, csp, "Robbery of business property", "Robbery", "Robbery", "34A", n]
        for q in quarters
        for csp, n in counts.items()
    ]


def workbook(path, sheets: dict[str, tuple[list[str], list[list]]], title_rows=2):
    book = Workbook()
    book.remove(book.active)
    notes = book.create_sheet("Notes")
    notes.append(["These tables show police recorded crime by Community Safety Partnership."])
    for name, (header, rows) in sheets.items():
        sheet = book.create_sheet(name)
        for i in range(title_rows):
            sheet.append([f"Title line {i + 1}"])
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def run(kind=ImportRun.Kind.HOME_OFFICE) -> ImportRun:
    return ImportRun.objects.create(kind=kind)


def test_it_works_out_when_a_financial_quarter_starts():
    assert quarter_start(2023, 1) == dt.date(2023, 4, 1)
    assert quarter_start(2023, 3) == dt.date(2023, 10, 1)
    assert quarter_start(2023, 4) == dt.date(2024, 1, 1)


def test_it_imports_a_workbook_with_a_sheet_per_financial_year(seeded, tmp_path):
    older = [*HEADER[:2], "Force Name", *HEADER[3:]]
    path = workbook(
        tmp_path / "prc-csp.xlsx",
        {
            "2023-24": (HEADER, ho_rows("2023/24", (3, 4))),
            "2024-25": (older, ho_rows("2024/25", (1, 2))),
        },
    )
    report = import_home_office(path, run())
    assert OffenceCount.objects.count() == 16
    assert report["skipped_sheets"] == ["prc-csp.xlsx, sheet Notes"]
    dartford = OffenceCount.objects.filter(area__name="Dartford")
    assert dartford.count() == 8  # both spellings matched to the area
    assert OffenceCount.objects.filter(is_unassigned=True).count() == 4
    summary = dict(report["summary"])
    assert "DARTFORD, Dartford" in summary["Names written in different capitals (treated as one)"]
    assert summary["“Unassigned” rows"].startswith("4:")


def test_it_imports_ods_and_csv(seeded, tmp_path):
    ods = tmp_path / "prc.ods"
    with pd.ExcelWriter(ods, engine="odf") as writer:
        pd.DataFrame(ho_rows(), columns=HEADER).to_excel(writer, sheet_name="2023-24", index=False)
    import_home_office(ods, run())
    assert OffenceCount.objects.count() == 8
    csv_path = tmp_path / "prc.csv"
    pd.DataFrame(ho_rows(force="Essex"), columns=HEADER).to_csv(
        csv_path, index=False, encoding="cp1252"
    )
    import_home_office(csv_path, run())
    assert OffenceCount.objects.filter(force="Essex").count() == 8


def test_importing_the_same_quarter_again_replaces_it_exactly(seeded, tmp_path):
    path = workbook(tmp_path / "a.xlsx", {"2023-24": (HEADER, ho_rows())})
    import_home_office(path, run())
    import_home_office(path, run())
    assert OffenceCount.objects.count() == 8
    corrected = workbook(
        tmp_path / "b.xlsx",
        {"2023-24": (HEADER, ho_rows(quarters=(4,), counts={"Dartford": 999}))},
    )
    other_force = workbook(tmp_path / "c.xlsx", {"2023-24": (HEADER, ho_rows(force="Essex"))})
    import_home_office(other_force, run())
    report = import_home_office(corrected, run())
    assert OffenceCount.objects.filter(force="Kent", quarter=4).count() == 1
    assert OffenceCount.objects.filter(force="Kent", quarter=3).count() == 4
    assert OffenceCount.objects.filter(force="Essex").count() == 8
    assert "replacing 4" in dict(report["summary"])["Financial quarters"]


@pytest.mark.parametrize(
    ("bad", "column", "reason"),
    [
        ({8: "12.5"}, "Offence Count", "'12.5' is not a whole number"),
        ({8: "many"}, "Offence Count", "'many' is not a whole number"),
        ({0: "2023/25"}, "Financial Year", "not a financial year"),
        ({1: "5"}, "Financial Quarter", "not a quarter 1 to 4"),
        ({3: ""}, "CSP Name", "is empty"),
    ],
)
def test_a_bad_row_stops_the_import_naming_sheet_row_and_column(
    seeded, tmp_path, bad, column, reason
):
    rows = ho_rows()
    for index, value in bad.items():
        rows[2][index] = value
    path = workbook(tmp_path / "prc.xlsx", {"2023-24": (HEADER, rows)}, title_rows=2)
    with pytest.raises(ImportFailed) as caught:
        import_home_office(path, run())
    problem = caught.value.problems[0]
    # two title rows, the header on row 3, the third data row on row 6
    assert (problem.file, problem.row, problem.column) == ("prc.xlsx, sheet 2023-24", 6, column)
    assert reason in problem.reason
    assert OffenceCount.objects.count() == 0


def test_it_refuses_a_workbook_that_unpacks_to_a_zip_bomb(seeded, tmp_path):
    bomb = tmp_path / "prc.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b" " * (60 << 20))
    with pytest.raises(ImportFailed) as caught:
        import_home_office(bomb, run())
    assert "zip bomb" in caught.value.problems[0].reason


def test_it_refuses_a_binary_named_csv_and_a_file_without_the_table(seeded, tmp_path):
    binary = tmp_path / "prc.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(500))
    with pytest.raises(ImportFailed, match="PNG image"):
        import_home_office(binary, run())
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="has no sheet with the columns"):
        import_home_office(other, run())


def test_the_command_imports_a_home_office_table(seeded, tmp_path, capsys):
    path = workbook(tmp_path / "prc.xlsx", {"2023-24": (HEADER, ho_rows())})
    call_command("import_home_office", str(path), "--no-progress")
    assert "Rows: 8" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text(",".join(HEADER) + "\n2023/24,9,Kent,Dartford,x,Robbery,,1,3\n", "utf-8")
    with pytest.raises(CommandError, match="row 2, column Financial Quarter"):
        call_command("import_home_office", str(bad), "--no-progress")


def ons_csv(tmp_path, rows, name="pop.csv"):
    path = tmp_path / name
    path.write_text(
        "Code,Name,Population,Year\n" + "\n".join(",".join(map(str, r)) for r in rows),
        encoding="utf-8",
    )
    return path


def test_it_imports_population_estimates_and_adds_unknown_areas(seeded, tmp_path):
    path = ons_csv(
        tmp_path,
        [
            ("E07000107", "Dartford", "120700", 2023),
            ("E07000109", "Gravesham", '"107,860"', "mid-2023"),
            ("E07000111", "Sevenoaks", 121_000, 2023),
        ],
    )
    report = import_ons_population(path, run(ImportRun.Kind.ONS_POPULATION))
    assert AreaPopulation.objects.get(area__name="Gravesham", year=2023).population == 107_860
    assert Area.objects.filter(gss_code="E07000111", name="Sevenoaks").exists()
    assert "Sevenoaks (E07000111)" in dict(report["summary"])["Areas added to the portal"]


def test_a_population_imported_again_is_replaced(seeded, tmp_path):
    import_ons_population(
        ons_csv(tmp_path, [("E07000107", "Dartford", 120_000, 2023)]),
        run(ImportRun.Kind.ONS_POPULATION),
    )
    import_ons_population(
        ons_csv(tmp_path, [("E07000107", "Dartford", 120_700, 2023)], "b.csv"),
        run(ImportRun.Kind.ONS_POPULATION),
    )
    assert list(AreaPopulation.objects.values_list("population", flat=True)) == [120_700]


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (("Dartford", "Dartford", 1, 2023), "Code", "not a GSS code"),
        (("E07000107", "Dartford", "lots", 2023), "Population", "not a population"),
        (("E07000107", "Dartford", 120_700, "2023/24"), "Year", "not a year"),
    ],
)
def test_a_bad_population_row_writes_nothing(seeded, tmp_path, row, column, reason):
    path = ons_csv(tmp_path, [("E07000109", "Gravesham", 107_860, 2023), row])
    with pytest.raises(ImportFailed) as caught:
        import_ons_population(path, run(ImportRun.Kind.ONS_POPULATION))
    problem = caught.value.problems[0]
    assert (problem.row, problem.column) == (3, column)
    assert reason in problem.reason
    assert AreaPopulation.objects.count() == 0


def test_a_draft_ranks_the_partnership_among_the_forces_csps(seeded, officer, tmp_path):
    counts = {"Dartford": 3000, "Gravesham": 2000, "Unassigned": 50}
    rows = ho_rows("2023/24", (3, 4), counts=counts) + ho_rows("2024/25", (1, 2), counts=counts)
    import_home_office(workbook(tmp_path / "prc.xlsx", {"All": (HEADER, rows)}), run())
    import_ons_population(
        ons_csv(
            tmp_path,
            [("E07000107", "Dartford", 120_000, 2024), ("E07000109", "Gravesham", 64_000, 2024)],
        ),
        run(ImportRun.Kind.ONS_POPULATION),
    )
    from partners.models import Partnership

    dartford = Partnership.objects.get(key="dartford")
    draft = services.draft_from_data(dartford, dt.date(2023, 10, 1), dt.date(2024, 9, 30), officer)
    # Four quarters: Dartford 12,000 offences / 120,000 people = 100.0 per 1,000;
    # Gravesham 8,000 / 64,000 = 125.0; "Unassigned" belongs to no partnership.
    rates = {
        f.label: f.value
        for f in draft.figures.filter(
            section="comparison", measure__key="home-office-rate-per-1000"
        )
    }
    assert rates == {"Dartford": Decimal("100.0"), "Gravesham": Decimal("125.0")}
    rank = draft.figures.get(measure__key="crime-rate-rank-in-force")
    assert (rank.value, rank.out_of) == (2, 2)


def test_an_officer_uploads_a_home_office_table(client, officer, tmp_path):
    path = workbook(tmp_path / "prc.xlsx", {"2023-24": (HEADER, ho_rows())})
    client.force_login(officer)
    upload = SimpleUploadedFile("prc.xlsx", path.read_bytes())
    response = client.post(reverse("assessment_import_new", args=["home-office"]), {"file": upload})
    imported = ImportRun.objects.get()
    assert response.url == imported.get_absolute_url()
    assert imported.status == ImportRun.Status.SUCCEEDED, imported.report
    page = client.get(imported.get_absolute_url()).content.decode()
    assert "Unassigned" in page and "2023/24 Q3 kent: 4 rows" in page.replace("Kent", "kent")


def test_an_officer_uploads_population_estimates(client, officer, tmp_path):
    client.force_login(officer)
    content = io.BytesIO(b"Code,Name,Population,Year\nE07000107,Dartford,120700,2023\n")
    upload = SimpleUploadedFile("pop.csv", content.getvalue(), "text/csv")
    client.post(reverse("assessment_import_new", args=["ons-population"]), {"file": upload})
    assert ImportRun.objects.get().status == ImportRun.Status.SUCCEEDED
    assert AreaPopulation.objects.get().population == 120_700
