"""Who may see and change what: the one place every page (and the API) asks.

Published and archived strategies are public documents. Everything else belongs to a
partnership and is visible only to people with a role in it (or to superusers).
"""

from __future__ import annotations

from django.db.models import Q


def is_superuser(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_superuser)


def member_partnership_ids(user) -> set[int]:
    """Partnerships in which the person holds any role."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return user.partnership_ids()


def visible_strategy_q(user, prefix: str = "") -> Q:
    """A filter for strategies the person may read; `prefix` lets related models reuse it."""
    from priorities.models import Strategy

    if is_superuser(user):
        return Q()
    q = Q(**{f"{prefix}status__in": Strategy.PUBLIC_STATUSES})
    ids = member_partnership_ids(user)
    if ids:
        q |= Q(**{f"{prefix}partnership_id__in": ids})
    return q
