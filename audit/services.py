"""Recording history: snapshots of an object's fields and the differences between two."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.fields.files import FieldFile

from .models import AuditEntry


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value that still reads well in the history."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral() else str(value.normalize())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, FieldFile):
        return value.name or ""
    return value


IGNORED = {"id", "created_at", "updated_at", "version"}


def snapshot(obj: models.Model) -> dict[str, Any]:
    """Every editable field and many-to-many relation of an object, as plain values."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in IGNORED:
            continue
        value = getattr(obj, field.name)
        data[field.name] = _plain(value)
    if obj.pk:
        for field in obj._meta.many_to_many:
            data[field.name] = sorted(str(o) for o in getattr(obj, field.name).all())
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def record(
    obj: models.Model,
    event: str,
    user,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    channel: str = AuditEntry.Channel.BROWSER,
    commit: bool = True,
) -> AuditEntry | None:
    """Append one history entry; an update that changed nothing records nothing.

    With commit=False the entry is returned unsaved, for a caller that bulk-creates many.
    """
    if event == AuditEntry.Event.UPDATE:
        changes: dict = diff(before or {}, after or {})
        if not changes:
            return None
    elif event == AuditEntry.Event.CREATE:
        changes = after if after is not None else snapshot(obj)
    else:
        changes = before if before is not None else snapshot(obj)
    entry = AuditEntry(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        event=event,
        changes=changes,
        version=getattr(obj, "version", None),
        user=user if getattr(user, "is_authenticated", False) else None,
        channel=channel,
    )
    if commit:
        entry.save()
    return entry


def history_of(obj: models.Model):
    return AuditEntry.objects.for_object(obj)


def history_of_many(*groups) -> models.QuerySet[AuditEntry]:
    """One timeline for an object and the records that hang off it (updates, values)."""
    query = models.Q(pk__in=[])
    for objs in groups:
        objs = list(objs)
        if not objs:
            continue
        ct = ContentType.objects.get_for_model(objs[0], for_concrete_model=True)
        query |= models.Q(content_type=ct, object_id__in=[str(o.pk) for o in objs])
    return AuditEntry.objects.filter(query).select_related("user")
