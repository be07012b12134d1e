"""Django's ModelBackend, with the signed-in person read once per data version per process.

Every signed-in request reads its person back from the database; a page served whole from the
cache (csp_portal.page_cache) did little else. The person is portal data, so the data version
moves whenever their row changes (a new password, deactivation, a new name), and the copy kept
under a version is the row as it was at that version or newer. Django still checks the
session's password hash against it, and ModelBackend's own rules (an inactive person is no
one) apply to the row as read. Only last_login is not tracked: a copy may show an older one.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import router

from csp_portal import shared_cache
from platform_ops import data_version


class PortalBackend(ModelBackend):
    def get_user(self, user_id):
        User = get_user_model()
        using = router.db_for_read(User)
        version = data_version.for_this_request(using)
        if version is None:
            return super().get_user(user_id)
        key = f"user:{version}:{user_id}"
        held = shared_cache.memo.get(key)  # this process only: the key says it all
        if held is None:
            user = super().get_user(user_id)
            if user is None:
                return None
            shared_cache.memo.put(key, shared_cache.freeze(user))
            return user
        return shared_cache.thaw(User, using, held)
