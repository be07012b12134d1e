"""Scrutiny settings a partnership chooses: whether its dashboard is published to everyone."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from partners.models import Partnership


class PublicDashboard(models.Model):
    """A partnership's choice to publish a read-only dashboard of its published strategies."""

    partnership = models.OneToOneField(
        Partnership, on_delete=models.CASCADE, related_name="public_dashboard"
    )
    # Off until a CSU officer (or an administrator) decides to publish.
    enabled = models.BooleanField("public dashboard switched on", default=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "public dashboard setting"

    def __str__(self) -> str:
        state = "on" if self.enabled else "off"
        return f"Public dashboard of {self.partnership}: {state}"
