"""Django's database sessions, read in the same statement as the data version.

Every signed-in request reads its session row and the data version; RequestVersionMiddleware
reads both in one statement, and this store takes the row from there instead of asking again.
Everything else (saving, expiry, sign-out, cycling the key) is Django's database store as it is:
the rows stay in django_session, so every app server sees every session.
"""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

from . import data_version


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        found = data_version.session_read_with_version(self.session_key or "")
        if found is data_version.NO_SESSION:
            return super()._get_session_from_db()
        if found is None:  # no live session with that key, as Django's own read would find
            self._session_key = None
            return None
        data, expires = found
        return self.model(session_key=self.session_key, session_data=data, expire_date=expires)
