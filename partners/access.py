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


def roles_in(user, partnership_id: int) -> set[str]:
    """The person's roles in one partnership (empty for anonymous people)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return user.roles_in(partnership_id)


def is_officer(user, partnership_id: int) -> bool:
    """CSU officers (and superusers) create and edit everything of their partnership."""
    return is_superuser(user) or "officer" in roles_in(user, partnership_id)


def is_member(user, partnership_id: int) -> bool:
    """Anyone with a role in the partnership reads all of it, published or not."""
    return is_superuser(user) or bool(roles_in(user, partnership_id))


def visible_in_partnership_q(user, public_q: Q, partnership_field: str = "partnership") -> Q:
    """Rows that are public (`public_q`) or belong to a partnership the person is a member of."""
    if is_superuser(user):
        return Q()
    ids = member_partnership_ids(user)
    return public_q | Q(**{f"{partnership_field}__in": ids}) if ids else public_q


def officer_partnership_ids(user) -> set[int]:
    """Partnerships in which the person is a CSU officer."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return {r.partnership_id for r in user.cached_roles if r.role == "officer"}
