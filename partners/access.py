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


def visibility_key(user) -> str:
    """What a person's right to read depends on, as text: two people with the same key are
    shown the same rows (so a response built for one may be served to the other)."""
    ids = ",".join(str(i) for i in sorted(member_partnership_ids(user)))
    return f"{'superuser' if is_superuser(user) else 'member'}:{ids}"


def load_roles(user, version: str) -> None:
    """Read the person's roles once per data version, then from the shared cache.

    Roles are portal data, so the version (read before this) moves whenever one changes: the
    roles kept under a version are the roles at that version, or newer.
    """
    if not getattr(user, "is_authenticated", False) or hasattr(user, "_cached_roles"):
        return
    from csp_portal import shared_cache

    from .models import Role

    key = f"roles:{version}:{user.pk}"
    held = shared_cache.get(key)
    if held is None:
        held = list(user.roles.order_by().values_list("pk", "partnership_id", "role"))
        shared_cache.set(key, held, 600)
    user._cached_roles = [
        Role(pk=pk, user_id=user.pk, partnership_id=pid, role=role) for pk, pid, role in held
    ]


def roles_key(user) -> str:
    """Every role the person holds, as text: two people with the same key may see and do
    exactly the same things (so a page built for one may be served to the other)."""
    if not getattr(user, "is_authenticated", False):
        return "anonymous"
    roles = ",".join(sorted(f"{r.partnership_id}:{r.role}" for r in user.cached_roles))
    return f"{'superuser' if is_superuser(user) else 'member'}:{roles}"


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


# --- actions, progress updates and indicator returns (issue 3) --------------------------------

# Fields of an action a partner lead of the lead organisation may change; officers change all.
PARTNER_LEAD_ACTION_FIELDS = frozenset({"description", "start_date", "due_date", "owner"})
OFFICER_ACTION_FIELDS = frozenset(
    {
        "text",
        "description",
        "focus_items",
        "lead_organisation",
        "supporting_organisations",
        "owner",
        "start_date",
        "due_date",
    }
)


def visible_action_q(user, prefix: str = "") -> Q:
    """Members see every action of their partnership; others only a public document's own."""
    if is_superuser(user):
        return Q()
    strategy = f"{prefix}priority__strategy__"
    q = Q(**{f"{strategy}status__in": ("published", "archived"), f"{prefix}from_document": True})
    ids = member_partnership_ids(user)
    if ids:
        q |= Q(**{f"{strategy}partnership_id__in": ids})
    return q


def visible_indicator_value_q(user) -> Q:
    """Indicator returns are the partnership's working data: members only."""
    if is_superuser(user):
        return Q()
    return Q(indicator__priority__strategy__partnership_id__in=member_partnership_ids(user))


def is_partner_lead_for(user, partnership_id: int, organisation_id: int | None) -> bool:
    return (
        organisation_id is not None
        and "partner_lead" in roles_in(user, partnership_id)
        and user.organisation_id == organisation_id
    )


def can_create_action(user, strategy) -> bool:
    return is_officer(user, strategy.partnership_id)


def editable_action_fields(user, action) -> frozenset[str]:
    """The fields of this action the person may change (empty: read only)."""
    if action.is_retired:
        return frozenset()
    pid = action.priority.strategy.partnership_id
    if is_officer(user, pid):
        return OFFICER_ACTION_FIELDS
    if is_partner_lead_for(user, pid, action.lead_organisation_id):
        return PARTNER_LEAD_ACTION_FIELDS
    return frozenset()


def can_edit_action(user, action) -> bool:
    return bool(editable_action_fields(user, action))


def can_add_progress_update(user, action) -> bool:
    return can_edit_action(user, action)


def can_retire_action(user, action) -> bool:
    return not action.is_retired and is_officer(user, action.priority.strategy.partnership_id)


def can_edit_strategy_content(user, strategy) -> bool:
    """Priorities, focus items, aims and indicators: officers of the partnership."""
    return is_officer(user, strategy.partnership_id)


def can_submit_indicator_value(user, indicator) -> bool:
    pid = indicator.priority.strategy.partnership_id
    return is_officer(user, pid) or is_partner_lead_for(user, pid, indicator.source_organisation_id)
