"""Background jobs: a large survey export is imported outside the request that asked for it."""

from django_tasks import task


@task()
def run_response_import(import_id: int, user_id: int) -> str:
    """Run a queued import by id; the ResponseImport row carries its outcome and report."""
    from django.contrib.auth import get_user_model

    from . import imports
    from .models import ResponseImport
    from .services import ImportFailed, record_import_failure, run_import

    record = ResponseImport.objects.select_related("survey").get(pk=import_id)
    user = get_user_model().objects.get(pk=user_id)
    try:
        run_import(user, record, record.answer_map)
    except Exception as exc:
        # Whatever stopped it, the officer must see a finished import, never one importing for ever.
        record.refresh_from_db()
        if record.status == ResponseImport.Status.QUEUED:
            failed = exc if isinstance(exc, ImportFailed) else None
            reason = "The import stopped unexpectedly; nothing was imported."
            record_import_failure(
                record, failed or ImportFailed([imports.RowError(0, "file", reason)], 1)
            )
        if not isinstance(exc, ImportFailed):
            raise
    return record.status
