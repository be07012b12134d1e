"""The portal's data version: it changes with every committed write to the portal's data.

Responses that are the same for many people (API lists, dashboards) are cached under it, so a
cached response is never served once anything it could show has changed, however the change
was made: a form, the API, the admin, a bulk import by COPY or SQL typed into psql.

How (PostgreSQL): every table of the portal's own apps has a statement-level trigger that adds
a row to platform_ops_datachange, in the writing transaction. The version is the sums of the
rows' weights and stamps as a reader's statement sees them: a transaction's rows count once it
commits, whatever order transactions commit in, and no writer waits for another (each only
inserts).
Old rows are folded into one carrying their sums, which leaves the version unchanged.

Each row also carries a stamp from a sequence, which PostgreSQL never rolls back nor gives
twice: a write rolled back and another made in its place give a different version, so a
response cached in the discarded state is never found again. Restoring a backup puts old
versions back, so restore_db clears the cache.

Only reads of the version and the data in the same order are safe: read the version first,
then the data. Data newer than the version it is cached under is harmless (the next reader
has a newer version and builds again); data older than its version cannot happen.

Within a request the version is read once for each database (`for_this_request`, with
RequestVersionMiddleware before anything that reads data): the person, their roles and the
page are then all looked up under the same version, read before any of them.

Elsewhere (SQLite in development and tests) there is no version, and nothing is cached.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.utils import timezone

logger = logging.getLogger(__name__)

TRIGGER = "platform_ops_data_version"
FUNCTION = "platform_ops_note_change"
TABLE = "platform_ops_datachange"
STAMPS = "platform_ops_datachange_stamp"  # a sequence: never rolled back, never used twice
# The portal's data, and API tokens (kept in memory under the version, api/authentication.py).
# Sessions, the cache, the job queue and sign-in records are not data.
TRACKED_APPS = (
    "partners",
    "priorities",
    "assessments",
    "surveys",
    "priority_setting",
    "scrutiny",
    "api",
)
# Written by imports and their progress reports, and read by no cached response: tracking them
# would make every import, every few seconds, throw away every cached response.
UNTRACKED_MODELS = frozenset(
    {
        "assessments.crimerecord",
        "assessments.importrun",
        "assessments.policemonth",
        "assessments.lsoa",
        "assessments.offencecount",
        "surveys.responseimport",
        "api.throttlewindow",  # counted on every API request
    }
)
FUNCTION_SQL = (
    f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "  # noqa: S608
    f"BEGIN INSERT INTO {TABLE} (weight, stamp) VALUES (1, nextval('{STAMPS}')); "
    "RETURN NULL; END $$"
)
# Columns whose changes alone are not the portal's data: signing in sets last_login, and a
# token's use sets last_used_at; each would otherwise throw away every cached page.
UNTRACKED_COLUMNS = {
    "partners_user": frozenset({"last_login"}),
    "api_apitoken": frozenset({"last_used_at"}),
}
COMPACT_AFTER = 500  # rows; folding them costs about a millisecond


def tracked_tables() -> list[str]:
    """Every table (many-to-many tables included) whose writes change the data version."""
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if model._meta.app_label in TRACKED_APPS and label not in UNTRACKED_MODELS:
            tables.add(model._meta.db_table)
    return sorted(tables)


def install(using: str = DEFAULT_DB_ALIAS) -> int:
    """Create the trigger on every tracked table (again: idempotent); return how many."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return 0
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {STAMPS}")
        cursor.execute(FUNCTION_SQL)
        existing = set(connection.introspection.table_names(cursor))
        tables = [t for t in tracked_tables() if t in existing]
        for table in tables:
            update = "UPDATE"
            if table in UNTRACKED_COLUMNS:
                columns = [
                    c.name
                    for c in connection.introspection.get_table_description(cursor, table)
                    if c.name not in UNTRACKED_COLUMNS[table]
                ]
                update = "UPDATE OF " + ", ".join(quote(c) for c in columns)
            cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {quote(table)}")
            cursor.execute(
                f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR {update} OR DELETE OR TRUNCATE "
                f"ON {quote(table)} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            )
    return len(tables)


def install_after_migrate(sender, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate: new tables get their trigger as soon as a migration creates them."""
    install(using)


def triggered_tables(using: str = DEFAULT_DB_ALIAS) -> set[str]:
    """The tables that have the trigger now (for the check below and for tests)."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = %s AND NOT t.tgisinternal",
            [TRIGGER],
        )
        return {row[0] for row in cursor.fetchall()}


_complete: dict[str, bool] = {}


def _triggers_complete(using: str) -> bool:
    """Once per process and database: every tracked table has its trigger. Without them a
    version would not move on writes, so nothing may be cached."""
    if using not in _complete:
        missing = set(tracked_tables()) - triggered_tables(using)
        if missing:
            logger.warning(
                "Data version off: no change trigger on %s. Run manage.py migrate.",
                ", ".join(sorted(missing)[:5]),
            )
        _complete[using] = not missing
    return _complete[using]


def current(using: str = DEFAULT_DB_ALIAS) -> str | None:
    """The data version as the database `using` sees it now; None where there is none."""
    return _read(using)[0]


# The version and, for a request that carries a session cookie, its session row, in one
# statement: every signed-in request needs both, and a round trip costs more than the query.
VERSION_SQL = "SELECT COALESCE(SUM(weight), 0), COALESCE(SUM(stamp), 0), COUNT(*) FROM {table}"
VERSION_AND_SESSION_SQL = (
    "SELECT v.writes, v.stamps, v.n, s.session_data, s.expire_date FROM ("
    "SELECT COALESCE(SUM(weight), 0) AS writes, COALESCE(SUM(stamp), 0) AS stamps, "
    "COUNT(*) AS n FROM {table}) AS v LEFT JOIN {sessions} AS s "
    "ON s.session_key = %s AND s.expire_date > %s"
)
NO_SESSION = object()  # the session was not read with the version


def _read(using: str, session_key: str | None = None) -> tuple[str | None, object]:
    """The version, and the session row (data, expiry) or None when asked for one."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not _triggers_complete(using):
        return None, NO_SESSION
    if session_key is None:
        row = first_statement(connection, VERSION_SQL.format(table=TABLE), [])
        session = NO_SESSION
    else:
        from django.contrib.sessions.models import Session

        sql = VERSION_AND_SESSION_SQL.format(table=TABLE, sessions=Session._meta.db_table)
        row = first_statement(connection, sql, [session_key, timezone.now()])
        session = (row[3], row[4]) if row[3] is not None else None
    writes, stamps, rows = row[:3]
    if rows > COMPACT_AFTER:
        compact()
    return f"{connection.settings_dict['NAME']}:{writes}:{stamps}", session


def first_statement(connection, sql: str, params: list) -> tuple:
    """Run a request's first statement; it is also the connection's health check.

    With CONN_HEALTH_CHECKS Django sends `SELECT 1` before the first query of every request on
    a kept connection: a round trip for nothing. The version read is always first, so it does
    that job instead: if it fails on a kept connection, the connection is closed and the
    statement runs once more on a new one, which is what the health check would have done.
    """
    checking = (
        connection.connection is not None
        and connection.health_check_enabled
        and not connection.health_check_done
        and not connection.in_atomic_block
    )
    if checking:
        connection.health_check_done = True  # this statement is the check
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchone()
        except (InterfaceError, OperationalError):
            logger.info("A kept database connection failed its first statement: reconnecting.")
            connection.close()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


_this_request: ContextVar[dict[str, str | None] | None] = ContextVar(
    "data_version_this_request", default=None
)
_session_this_request: ContextVar[tuple[str, object] | None] = ContextVar(
    "session_read_with_version", default=None
)
LONGEST_SESSION_KEY = 40  # Django's keys are 32 characters; anything longer is not one


class RequestVersionMiddleware:
    """Gives each request one reading of the version per database (see for_this_request).

    It goes before the session and authentication middleware: the version must be read
    before anything it describes. A request with a session cookie has its session row read in
    the same statement (platform_ops.sessions.SessionStore takes it from there); one with an
    Authorization header (the API) has the version read first. Either way the request's first
    statement is also its connection's health check (first_statement).
    """

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request):
        held: dict[str, str | None] = {}
        token = _this_request.set(held)
        session_token = _session_this_request.set(None)
        try:
            key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
            if key and len(key) <= LONGEST_SESSION_KEY and _reads_sessions_here():
                version, session = _read(DEFAULT_DB_ALIAS, key)
                if session is not NO_SESSION:
                    held[DEFAULT_DB_ALIAS] = version
                    _session_this_request.set((key, session))
            elif "HTTP_AUTHORIZATION" in request.META:
                # An API client: its token is read next, and its list is kept under the
                # version. Read first, the version stands in for the health check's SELECT 1.
                held[DEFAULT_DB_ALIAS] = current(DEFAULT_DB_ALIAS)
            return self.get_response(request)
        finally:
            _session_this_request.reset(session_token)
            _this_request.reset(token)


def _reads_sessions_here() -> bool:
    """The session store takes a session read with the version only from the default
    database, and only the portal's store does."""
    return settings.SESSION_ENGINE == "platform_ops.sessions"


def session_read_with_version(session_key: str) -> object:
    """This request's session row read with the version: (data, expiry), None when there is no
    such live session, NO_SESSION when it was not read (or was taken already: once only, so a
    session saved during the request is never read back from before the save)."""
    found = _session_this_request.get()
    if found is None or found[0] != session_key:
        return NO_SESSION
    _session_this_request.set(None)
    return found[1]


def for_this_request(using: str = DEFAULT_DB_ALIAS) -> str | None:
    """The version as first read in this request (read now if not yet); outside a request,
    as the database sees it now."""
    held = _this_request.get()
    if held is None:
        return current(using)
    if using not in held:
        held[using] = current(using)
    return held[using]


def compact() -> None:
    """Fold the rows every reader can see into one with their summed weight (primary only)."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(
            f"WITH gone AS (DELETE FROM {TABLE} RETURNING weight, stamp) "  # noqa: S608
            f"INSERT INTO {TABLE} (weight, stamp) SELECT SUM(weight), SUM(stamp) FROM gone "
            "HAVING COUNT(*) > 0"
        )
