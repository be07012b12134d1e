"""Importing raw responses: reading real exports, matching, all-or-nothing, replacing, purging."""

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from partners.models import Partnership
from surveys import imports, services
from surveys.analysis import SHOWN
from surveys.models import (
    Answer,
    ComputedResult,
    ItemMapping,
    Question,
    Respondent,
    ResponseImport,
    Survey,
)

from .exports import UNKNOWN, generate, officer_answer_map


@pytest.fixture
def survey_2026(surveys, officer) -> Survey:
    """A new survey an officer set up from the 2025 questionnaire."""
    return services.create_survey(
        officer,
        partnership=Partnership.objects.get(key="dartford"),
        title="Dartford public opinion survey 2026",
        copy_from=surveys["2025"],
        fieldwork_start=dt.date(2026, 2, 1),
        fieldwork_end=dt.date(2026, 3, 1),
        retention_days=180,
    )


def overall_counts(survey: Survey, key: str) -> Counter:
    return Counter(
        {
            r.option.label: r.count
            for r in ComputedResult.objects.filter(
                survey=survey, question__key=key, group_question__isnull=True, option__isnull=False
            ).select_related("option")
        }
    )


def test_it_copies_the_questionnaire_and_records_each_item_as_matching_its_original(
    survey_2026, surveys
):
    """Each year's survey reuses last year's questions and is comparable with it."""
    assert survey_2026.status == Survey.Status.DRAFT
    assert survey_2026.questions.count() == 43
    assert survey_2026.sections.count() == 5
    assert ItemMapping.objects.filter(later_question__survey=survey_2026).count() == 43
    assert not services.can_import(surveys["2025"])
    assert services.can_import(survey_2026)


def test_it_imports_2000_respondents_from_a_windows_1252_export_and_counts_them_exactly(
    survey_2026, officer
):
    """The issue's import test: the computed distribution equals one computed independently."""
    export = generate(survey_2026, respondents=2000)
    upload = services.start_import(officer, survey_2026, "export.csv", export.content)
    assert upload.encoding == "Windows-1252"
    assert any("have the same heading “Robbery”" in n for n in upload.notes)
    assert any("have the same heading “Youth related ASB”" in n for n in upload.notes)

    # Columns were matched by wording; the two "Robbery" columns in document order.
    items = list(Question.objects.filter(survey=survey_2026, kind="rating").order_by("order"))
    suggested = {int(i): k for i, k in upload.column_map.items()}
    assert [suggested[i + 1] for i in range(43)] == [q.key for q in items]
    assert suggested[0] == imports.SKIP  # Respondent ID: one value per row
    assert suggested[44] == suggested[45] == imports.NEW_DEMOGRAPHIC  # Age band, Gender
    assert suggested[46] == imports.SKIP  # free-text comments

    # Only texts that are not on the scale are asked about; spellings of it match on their own.
    (scale,) = services.answers_to_match(upload)  # all 43 columns share one scale: asked once
    assert len(scale.columns) == 43
    assert {a.text for a in scale.unknown} == set(UNKNOWN)

    count = services.run_import(officer, upload, officer_answer_map(upload))
    assert count == 2000
    for q in items:
        assert overall_counts(survey_2026, q.key) == export.expected[q.key], q.text
    survey_2026.refresh_from_db()
    assert survey_2026.respondents == 2000
    upload.refresh_from_db()
    assert upload.status == ResponseImport.Status.IMPORTED
    assert bytes(upload.content) == b""  # the raw file is not kept once imported

    # Breakdown by the new Age band question agrees with the export, withheld cells aside.
    age = Question.objects.get(survey=survey_2026, text="Age band")
    assert [o.label for o in age.options.all()] == [
        "16-24",
        "25-44",
        "45-64",
        "65+",
        "Prefer not to say",
    ]
    item = items[0]
    table = services.breakdown(survey_2026, item, age)
    for row in table.rows[:-1]:
        group = None if row.label == "Did not say" else row.label
        for label, cell in zip(table.columns, row.cells, strict=True):
            if cell.disclosure == SHOWN:
                assert cell.count == export.expected_by_age[item.key][(group, label)]


def test_it_names_the_row_column_and_reason_and_changes_nothing(survey_2026, officer):
    """A bad import must never half-change the results, and must say what to fix."""
    first = generate(survey_2026, respondents=60, seed=1)
    upload = services.start_import(officer, survey_2026, "first.csv", first.content)
    services.run_import(officer, upload, officer_answer_map(upload))
    before = (
        Respondent.objects.count(),
        Answer.objects.count(),
        ComputedResult.objects.count(),
        Question.objects.count(),
    )

    second = generate(survey_2026, respondents=80, seed=2)
    retry = services.start_import(officer, survey_2026, "second.csv", second.content)
    incomplete = officer_answer_map(retry)
    robbery = Question.objects.get(survey=survey_2026, key="violent-crime-robbery")
    incomplete[robbery.key].pop("Quite a big problem", None)
    with pytest.raises(services.ImportFailed) as failed:
        services.run_import(officer, retry, incomplete)
    assert failed.value.error_count > 0
    first_error = failed.value.errors[0]
    assert first_error.column == "column D (“Robbery”)"
    assert first_error.reason == "“Quite a big problem” does not match any answer to “Robbery”."
    assert first_error.row >= 2
    assert (
        Respondent.objects.count(),
        Answer.objects.count(),
        ComputedResult.objects.count(),
        Question.objects.count(),
    ) == before
    retry.refresh_from_db()
    assert retry.status == ResponseImport.Status.FAILED
    assert retry.errors[0] == {
        "row": first_error.row,
        "column": "column D (“Robbery”)",
        "reason": "“Quite a big problem” does not match any answer to “Robbery”.",
    }
    assert bytes(retry.content)  # kept, so the officer can fix the matching and try again


def test_it_replaces_the_survey_responses_when_the_same_file_is_imported_again(
    survey_2026, officer
):
    """Importing a corrected export again must not double the responses."""
    export = generate(survey_2026, respondents=120, seed=3)
    for _ in range(2):
        upload = services.start_import(officer, survey_2026, "export.csv", export.content)
        services.run_import(officer, upload, officer_answer_map(upload))
    assert Respondent.objects.filter(survey=survey_2026).count() == 120
    assert ResponseImport.objects.filter(status=ResponseImport.Status.REPLACED).count() == 1
    key = "property-crime-theft-of-motor-vehicle"
    assert overall_counts(survey_2026, key) == export.expected[key]


def test_it_reads_utf8_with_a_byte_order_mark_and_excel_workbooks():
    """Excel's "CSV UTF-8" adds a BOM, and many exports are .xlsx."""
    text = "Litter,Age\r\nVery big problem,16-24\r\nDon’t know,65+\r\n"
    sheet = imports.read_export("export.csv", "\ufeff".encode() + text.encode("utf-8"))
    assert sheet.encoding == "UTF-8 with a byte order mark"
    assert sheet.headers == ["Litter", "Age"]  # no stray BOM in the first heading
    assert sheet.rows[1] == ["Don’t know", "65+"]

    book = Workbook()
    book.active.append(["Litter", "Age", None])
    book.active.append(["Very big problem", 18, None])
    book.active.append([None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    sheet = imports.read_export("export.xlsx", buffer.getvalue())
    assert sheet.headers == ["Litter", "Age"]
    assert sheet.rows == [["Very big problem", "18"]]


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.csv", b"", "The file is empty."),
        ("header.csv", b"Litter,Age\r\n", "The file has a header row but no responses."),
        (
            "bytes.csv",
            b"Litter\r\n\x81\x8d\r\n",
            "save it from the survey tool or Excel as “CSV UTF-8”",
        ),
        ("broken.xlsx", b"PK\x03\x04not really a workbook", "not an Excel workbook we can read"),
        (
            "wide.csv",
            b"Litter,Age\r\nVery big problem,65+,extra\r\n",
            "Row 2 has answers beyond the last heading",
        ),
    ],
)
def test_it_refuses_files_it_cannot_read_with_a_clear_message(name, content, message):
    """An officer must know what is wrong with a file and how to fix it."""
    with pytest.raises(imports.ImportFileError, match=message.replace("(", r"\(")):
        imports.read_export(name, content)


def test_it_lets_only_officers_of_the_partnership_import(survey_2026, councillor, outsider):
    """Raw responses are personal data: only the partnership's officers handle them."""
    export = generate(survey_2026, respondents=5)
    for person in (councillor, outsider):
        with pytest.raises(PermissionError):
            services.start_import(person, survey_2026, "export.csv", export.content)


def test_it_refuses_more_choices_than_a_follow_up_allows():
    """A "top 3" answer with four choices is a data error to report, not to guess at."""
    question = imports.QuestionInfo(
        key="top-3",
        text="Top 3 issues within this category",
        context="",
        options=(("1", "Fly-tipping"), ("2", "Litter"), ("3", "Noise"), ("4", "Graffiti")),
        multiple=True,
        max_choices=3,
    )
    sheet = imports.Sheet(
        headers=["Top 3"],
        rows=[["Fly-tipping; Litter"], ["Fly-tipping;Litter;Noise;Graffiti"]],
        encoding="UTF-8",
    )
    built = imports.build_responses(sheet, {0: "top-3"}, {}, {"top-3": question})
    assert built.respondents[0] == (2, {"top-3": ["1", "2"]})
    assert [str(e) for e in built.errors] == [
        "Row 3, column A (“Top 3”): gives 4 answers; “Top 3 issues within this category” allows 3."
    ]


def test_it_deletes_raw_responses_past_retention_and_keeps_the_results(
    survey_2026, officer, surveys
):
    """Personal data goes when its retention ends; the evidence it produced stays."""
    export = generate(survey_2026, respondents=100, seed=4)
    upload = services.start_import(officer, survey_2026, "export.csv", export.content)
    services.run_import(officer, upload, officer_answer_map(upload))
    results_before = sorted(
        ComputedResult.objects.filter(survey=survey_2026).values_list(
            "question_id", "option_id", "group_option_id", "count", "disclosure"
        ),
        key=str,
    )
    deadline = survey_2026.retention_deadline
    assert deadline == dt.date(2026, 3, 1) + dt.timedelta(days=180)

    out = io.StringIO()
    call_command("purge_survey_responses", today=deadline.isoformat(), stdout=out)
    assert Respondent.objects.filter(survey=survey_2026).count() == 100  # not yet past
    assert "No raw responses are past their retention period." in out.getvalue()

    out = io.StringIO()
    call_command(
        "purge_survey_responses", today=(deadline + dt.timedelta(days=1)).isoformat(), stdout=out
    )
    assert "Deleted 100 raw responses of “Dartford public opinion survey 2026”" in out.getvalue()
    assert Respondent.objects.filter(survey=survey_2026).count() == 0
    assert Answer.objects.filter(respondent__survey=survey_2026).count() == 0
    after = sorted(
        ComputedResult.objects.filter(survey=survey_2026).values_list(
            "question_id", "option_id", "group_option_id", "count", "disclosure"
        ),
        key=str,
    )
    assert after == results_before
    survey_2026.refresh_from_db()
    assert survey_2026.responses_purged_at is not None
    assert survey_2026.responses_purged_at <= timezone.now()
    assert services.has_computed_results(survey_2026)


DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def test_it_imports_in_the_background_once_however_often_the_officer_clicks(
    survey_2026, officer, client, settings
):
    """A big file must not time the page out, and a second click must not import it twice."""
    from django_tasks import default_task_backend

    from surveys.tasks import run_response_import

    settings.TASKS = DUMMY_TASKS
    default_task_backend.clear()
    export = generate(survey_2026, respondents=120, seed=7)
    upload = services.start_import(officer, survey_2026, "export.csv", export.content)
    answer_map = officer_answer_map(upload)

    assert services.queue_import(officer, upload, answer_map) is True
    assert upload.status == ResponseImport.Status.QUEUED
    assert services.queue_import(officer, upload, answer_map) is False
    assert len(default_task_backend.results) == 1
    assert not Respondent.objects.filter(survey=survey_2026).exists()

    client.force_login(officer)
    page = client.get(reverse("survey_import_result", args=[survey_2026.slug, upload.pk]))
    assert "Importing export.csv" in page.content.decode()
    assert "Refresh" in page.content.decode()

    # What the worker does with the queued job.
    assert run_response_import.call(upload.pk, officer.pk) == ResponseImport.Status.IMPORTED
    assert Respondent.objects.filter(survey=survey_2026).count() == 120


def test_it_never_leaves_a_failed_background_import_importing(survey_2026, officer, settings):
    """A file that stops the import ends as "Not imported" with its report, changing nothing."""
    from django_tasks import default_task_backend

    from surveys.tasks import run_response_import

    settings.TASKS = DUMMY_TASKS
    default_task_backend.clear()
    export = generate(survey_2026, respondents=50, seed=8)
    upload = services.start_import(officer, survey_2026, "export.csv", export.content)
    services.queue_import(officer, upload, {})  # unknown answers left unmatched

    assert run_response_import.call(upload.pk, officer.pk) == ResponseImport.Status.FAILED
    upload.refresh_from_db()
    assert upload.errors and upload.status == ResponseImport.Status.FAILED
    assert not Respondent.objects.filter(survey=survey_2026).exists()
