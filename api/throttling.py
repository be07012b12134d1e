"""Requests per token (or per signed-in person) per window, counted in the database.

The rate (API_THROTTLE_RATE, e.g. 1000/hour) is a number of requests in each fixed window of
that length. Each request adds one to its window's count with one atomic statement, so two
requests at once on two app servers are both counted; the cache's read-then-write of a list
of timestamps (DRF's own) took five queries and could lose one of two simultaneous requests.
"""

from __future__ import annotations

from django.db import connections, router
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken, ThrottleWindow

COUNT_SQL = """
INSERT INTO {table} (key, window_start, requests) VALUES (%s, %s, 1)
ON CONFLICT (key, window_start) DO UPDATE SET requests = {table}.requests + 1
RETURNING requests
"""
FORGET_SQL = "DELETE FROM {table} WHERE key = %s AND window_start < %s"


def count_request(key: str, window_start: int) -> int:
    """One more request in the window; how many there have been in it now."""
    table = ThrottleWindow._meta.db_table
    with connections[router.db_for_write(ThrottleWindow)].cursor() as cursor:
        cursor.execute(COUNT_SQL.format(table=table), [key, window_start])
        (requests,) = cursor.fetchone()
        if requests == 1:  # a new window: the key's earlier ones are no longer needed
            cursor.execute(FORGET_SQL.format(table=table), [key, window_start])
    return requests


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"anon-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        if not (request.user and request.user.is_authenticated):
            # The public schema and docs only: counted in the cache, as DRF does, so that
            # nobody can fill the database by asking for them.
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        self.now = self.timer()
        self.window_start = int(self.now // self.duration) * self.duration
        if count_request(self.key, self.window_start) > self.num_requests:
            return self.throttle_failure()
        return True

    def wait(self) -> float:
        """Seconds until the window ends and the count starts again."""
        return max(1.0, self.window_start + self.duration - self.now)
