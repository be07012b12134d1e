"""Background jobs: imports run outside the request, so a big file never times a page out."""

from django_tasks import task


@task()
def run_import(run_id: int) -> str:
    """Run a queued import by id; the ImportRun row carries its progress and report."""
    from .services import execute_import

    return execute_import(run_id).status
