"""Writes to strategy content, actions, progress updates and indicator returns.

Every write here is audited, and every edit of an existing action or value names the version it
started from: a stale version raises EditConflict and changes nothing. Form views and (later)
the API call these functions, so the rules are the same whichever way a change arrives.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import history_of, record, snapshot

from .models import (
    Action,
    Aim,
    Evidence,
    FocusItem,
    Indicator,
    IndicatorValue,
    Priority,
    ProgressUpdate,
    Strategy,
)

Event = AuditEntry.Event


class EditConflict(Exception):
    """Someone else saved first; carries the current object and what they changed."""

    def __init__(self, current: models.Model, changes: list[AuditEntry]) -> None:
        self.current = current
        self.changes = changes
        super().__init__(f"{current} was changed by someone else.")


def _apply(obj: models.Model, values: dict[str, Any]) -> None:
    """Set plain fields now and many-to-many fields after the row is saved."""
    m2m = {f.name for f in obj._meta.many_to_many}
    for name, value in values.items():
        if name not in m2m:
            setattr(obj, name, value)
    obj.save()
    for name, value in values.items():
        if name in m2m:
            getattr(obj, name).set(value)


def locked_update(
    model: type[models.Model],
    pk: int,
    expected_version: int,
    change: Callable[[models.Model], None],
    user,
    channel: str,
    extra: Callable[[models.Model], dict] | None = None,
) -> models.Model:
    """Claim the row at the version the person saw; if that fails, explain who changed what.

    Shared by every app's version-checked writes; `extra` adds to the recorded before/after
    what the row's own fields do not hold (e.g. its related rows).
    """
    with transaction.atomic():
        claimed = model.objects.filter(pk=pk, version=expected_version).update(
            version=F("version") + 1
        )
        obj = model.objects.select_for_update().get(pk=pk)
        if not claimed:
            since = [e for e in history_of(obj) if (e.version or 0) > expected_version]
            raise EditConflict(obj, since)
        before = {**snapshot(obj), **(extra(obj) if extra else {})}
        change(obj)
        after = {**snapshot(obj), **(extra(obj) if extra else {})}
        record(obj, Event.UPDATE, user, before=before, after=after, channel=channel)
        return obj


# --- actions -------------------------------------------------------------------------------


def create_action(
    *, priority: Priority, values: dict[str, Any], user, channel: str = "browser"
) -> Action:
    with transaction.atomic():
        last = priority.actions.aggregate(m=models.Max("order"))["m"] or 0
        action = Action(priority=priority, order=last + 1)
        _apply(action, values)
        record(action, Event.CREATE, user, after=snapshot(action), channel=channel)
    return action


def update_action(
    *, action: Action, expected_version: int, values: dict[str, Any], user, channel: str = "browser"
) -> Action:
    return locked_update(
        Action, action.pk, expected_version, lambda a: _apply(a, values), user, channel
    )


def retire_action(
    *, action: Action, expected_version: int, user, channel: str = "browser"
) -> Action:
    """Retired actions leave lists and reports but keep their history and updates."""
    return locked_update(
        Action,
        action.pk,
        expected_version,
        lambda a: _apply(a, {"retired_at": timezone.now()}),
        user,
        channel,
    )


def _refresh_action_status(action: Action, user, channel: str) -> None:
    latest = action.updates.order_by("-update_date", "-created_at", "-id").first()
    status = latest.status if latest else Action.Status.NO_UPDATE
    if status != action.status:
        before = snapshot(action)
        Action.objects.filter(pk=action.pk).update(status=status, updated_at=timezone.now())
        action.status = status
        record(action, Event.UPDATE, user, before=before, after=snapshot(action), channel=channel)


def add_progress_update(
    *,
    action: Action,
    update_date: dt.date,
    status: str,
    commentary: str,
    files: Iterable[tuple[UploadedFile, str]] = (),
    user,
    channel: str = "browser",
) -> ProgressUpdate:
    """Record an update (with checked evidence files) and make its status the action's."""
    with transaction.atomic():
        Action.objects.select_for_update().filter(pk=action.pk).first()
        update = ProgressUpdate.objects.create(
            action=action,
            update_date=update_date,
            status=status,
            commentary=commentary,
            created_by=user,
        )
        for upload, content_type in files:
            Evidence.objects.create(
                update=update,
                file=upload,
                original_name=upload.name[:255],
                content_type=content_type,
                size=upload.size,
            )
        record(update, Event.CREATE, user, after=_update_snapshot(update), channel=channel)
        _refresh_action_status(action, user, channel)
    return update


def _update_snapshot(update: ProgressUpdate) -> dict[str, Any]:
    data = snapshot(update)
    data["evidence"] = [e.original_name for e in update.evidence.all()]
    return data


# --- indicator returns ---------------------------------------------------------------------


def submit_indicator_value(
    *,
    indicator: Indicator,
    area,
    period_start: dt.date,
    value: Decimal,
    note: str,
    user,
    channel: str = "browser",
) -> IndicatorValue:
    with transaction.atomic():
        obj = IndicatorValue.objects.create(
            indicator=indicator,
            area=area,
            period_start=period_start,
            value=value,
            note=note,
            submitted_by=user,
        )
        record(obj, Event.CREATE, user, after=snapshot(obj), channel=channel)
    return obj


def update_indicator_value(
    *,
    indicator_value: IndicatorValue,
    expected_version: int,
    values: dict[str, Any],
    user,
    channel: str = "browser",
) -> IndicatorValue:
    return locked_update(
        IndicatorValue,
        indicator_value.pk,
        expected_version,
        lambda v: _apply(v, values),
        user,
        channel,
    )


def update_indicator(
    *, indicator: Indicator, expected_version: int, values: dict[str, Any], user, channel="browser"
) -> Indicator:
    return locked_update(
        Indicator, indicator.pk, expected_version, lambda i: _apply(i, values), user, channel
    )


# --- strategy content ----------------------------------------------------------------------


def create_strategy(*, values: dict[str, Any], user, channel: str = "browser") -> Strategy:
    with transaction.atomic():
        strategy = Strategy.objects.create(**values)
        record(strategy, Event.CREATE, user, after=snapshot(strategy), channel=channel)
    return strategy


def update_strategy(
    *, strategy: Strategy, expected_version: int, values: dict[str, Any], user, channel="browser"
) -> Strategy:
    return locked_update(
        Strategy, strategy.pk, expected_version, lambda s: _apply(s, values), user, channel
    )


def create_priority(*, strategy: Strategy, values: dict[str, Any], user, channel="browser"):
    with transaction.atomic():
        Strategy.objects.select_for_update().filter(pk=strategy.pk).first()
        number = (strategy.priorities.aggregate(m=models.Max("number"))["m"] or 0) + 1
        priority = Priority.objects.create(strategy=strategy, number=number, **values)
        record(priority, Event.CREATE, user, after=snapshot(priority), channel=channel)
    return priority


def _sync_items(model, priority: Priority, texts: list[str], user, channel: str) -> None:
    """Make a priority's list match `texts` position by position, recording each change."""
    existing = list(model.objects.filter(priority=priority).order_by("order", "pk"))
    for position, text in enumerate(texts, start=1):
        if position <= len(existing):
            item = existing[position - 1]
            if (item.text, item.order) != (text, position):
                before = snapshot(item)
                item.text, item.order = text, position
                item.save(update_fields=["text", "order"])
                record(
                    item, Event.UPDATE, user, before=before, after=snapshot(item), channel=channel
                )
        else:
            item = model.objects.create(priority=priority, order=position, text=text)
            record(item, Event.CREATE, user, after=snapshot(item), channel=channel)
    for item in existing[len(texts) :]:
        record(item, Event.DELETE, user, before=snapshot(item), channel=channel)
        item.delete()


def update_priority(
    *,
    priority: Priority,
    expected_version: int,
    values: dict[str, Any],
    focus: list[str],
    aims: list[str],
    user,
    channel: str = "browser",
) -> Priority:
    """A priority's own text and its focus and aim lists, saved together or not at all."""

    def change(p: Priority) -> None:
        _apply(p, values)
        _sync_items(FocusItem, p, focus, user, channel)
        _sync_items(Aim, p, aims, user, channel)

    return locked_update(Priority, priority.pk, expected_version, change, user, channel)
