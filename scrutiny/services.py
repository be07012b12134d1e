"""Writes of the scrutiny app: the public dashboard switch, audited like every other change."""

from __future__ import annotations

from django.db import transaction

from audit.models import AuditEntry
from audit.services import record
from partners.models import Partnership

from .models import PublicDashboard


def set_public_dashboard(
    *, partnership: Partnership, enabled: bool, user, channel: str = "browser"
) -> PublicDashboard:
    """Switch a partnership's public dashboard on or off and record who did it."""
    with transaction.atomic():
        setting, created = PublicDashboard.objects.select_for_update().get_or_create(
            partnership=partnership
        )
        before = setting.enabled
        if created or before != enabled:
            setting.enabled = enabled
            setting.changed_by = user if getattr(user, "is_authenticated", False) else None
            setting.save()
            event = AuditEntry.Event.CREATE if created else AuditEntry.Event.UPDATE
            record(
                setting,
                event,
                user,
                before=None if created else {"enabled": before},
                after={"enabled": enabled},
                channel=channel,
            )
    return setting
