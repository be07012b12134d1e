"""An append-only history of every change to strategy content, actions, updates and values."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models


class AuditEntryQuerySet(models.QuerySet):
    def for_object(self, obj: models.Model) -> AuditEntryQuerySet:
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
            object_id=str(obj.pk),
        ).select_related("user")

    def update(self, **kwargs):
        raise PermissionDenied("History cannot be changed.")

    def delete(self):
        raise PermissionDenied("History cannot be deleted.")


class AuditEntry(models.Model):
    """Who changed what, when, through which channel, with the values before and after."""

    class Event(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        DELETE = "delete", "Deleted"

    class Channel(models.TextChoices):
        BROWSER = "browser", "Browser"
        API = "api", "API"
        ADMIN = "admin", "Admin"
        SYSTEM = "system", "System"

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300)
    event = models.CharField(max_length=10, choices=Event.choices)
    # {field: [before, after]} for changes; {field: value} snapshots for create and delete.
    changes = models.JSONField(default=dict)
    version = models.PositiveIntegerField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.BROWSER)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]
        verbose_name = "history entry"
        verbose_name_plural = "history"

    def __str__(self) -> str:
        return f"{self.get_event_display()} {self.object_repr} by {self.user or 'the system'}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("History cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("History cannot be deleted.")

    def change_rows(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for display; creates have no before, deletes no after."""
        rows = []
        model = self.content_type.model_class()
        for field, value in self.changes.items():
            label, display = _describe(model, field)
            if self.event == self.Event.UPDATE:
                before, after = value
            elif self.event == self.Event.CREATE:
                before, after = None, value
            else:
                before, after = value, None
            rows.append((label, _show(display(before)), _show(display(after))))
        return rows


def _show(value) -> str:
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _describe(model, name: str):
    """A field's label as people read it, and a function showing a stored value in words."""
    try:
        field = model._meta.get_field(name) if model else None
    except FieldDoesNotExist:  # a field since removed from the model: show the stored name
        field = None
    label = str(getattr(field, "verbose_name", name.replace("_", " "))).capitalize()
    choices = dict(field.flatchoices) if getattr(field, "choices", None) else {}
    return label, (lambda value: choices.get(value, value) if isinstance(value, str) else value)
