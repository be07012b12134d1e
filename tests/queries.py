"""Counting what a request reads, for tests that pin a read to once per data version."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def table_reads(client, path: str, table: str) -> tuple[int, int]:
    """The response's status and how many of its queries read from `table`."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    reads = [q for q in queries.captured_queries if f'FROM "{table}"' in q["sql"]]
    return response.status_code, len(reads)
