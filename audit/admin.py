from django.contrib import admin

from .models import AuditEntry
from .services import record, snapshot


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """History is read-only, even for superusers."""

    list_display = ["at", "event", "object_repr", "user", "channel"]
    list_filter = ["event", "channel", "content_type"]
    search_fields = ["object_repr"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedAdmin(admin.ModelAdmin):
    """Admin edits go into the same history as edits made on the portal's pages."""

    def save_model(self, request, obj, form, change):
        before = snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
        if change and hasattr(obj, "version"):
            # A page opened before this admin edit must not silently overwrite it.
            obj.version += 1
        super().save_model(request, obj, form, change)
        request._audit_pending = (obj, before, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj, before, was_change = getattr(request, "_audit_pending", (form.instance, None, change))
        event = AuditEntry.Event.UPDATE if was_change else AuditEntry.Event.CREATE
        record(obj, event, request.user, before=before, after=snapshot(obj), channel="admin")

    def delete_model(self, request, obj):
        record(obj, AuditEntry.Event.DELETE, request.user, before=snapshot(obj), channel="admin")
        super().delete_model(request, obj)
