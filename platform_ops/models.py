"""Platform tables: the portal's data version (see data_version.py)."""

from django.db import models


class DataChange(models.Model):
    """One write statement to the portal's data, noted by a database trigger.

    The sums of `weight` (how many writes) and `stamp` (numbers from a sequence, never used
    twice) are the portal's data version: they grow with every committed write, whatever
    wrote it, and a write rolled back and another made instead never give the same version.
    Old rows are folded into one row carrying both sums.
    """

    weight = models.BigIntegerField(default=1)
    stamp = models.DecimalField(max_digits=40, decimal_places=0, default=0)

    class Meta:
        verbose_name = "data change"

    def __str__(self) -> str:
        return f"data change {self.pk} (weight {self.weight})"
