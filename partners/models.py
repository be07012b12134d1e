"""Partnerships, their areas and organisations, and the people who use the portal."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class Area(models.Model):
    """A local authority district, identified by its ONS GSS code."""

    gss_code = models.CharField("GSS code", max_length=9, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.gss_code})"


class AreaPopulation(models.Model):
    """An ONS mid-year population estimate, used for rates per 1,000 population."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="populations")
    year = models.PositiveSmallIntegerField()
    population = models.PositiveIntegerField()
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["area", "year"]
        constraints = [
            models.UniqueConstraint(fields=["area", "year"], name="unique_area_population_year")
        ]

    def __str__(self) -> str:
        return f"{self.area.name} {self.year}: {self.population:,}"


class Organisation(models.Model):
    """A partner agency: council, police, fire, health, probation or a supporting charity."""

    class Kind(models.TextChoices):
        COUNCIL = "council", "District or borough council"
        COUNTY_COUNCIL = "county_council", "County council"
        POLICE = "police", "Police"
        FIRE = "fire", "Fire and rescue"
        HEALTH = "health", "Health (ICB or CCG)"
        PROBATION = "probation", "Probation"
        PCC = "pcc", "Police and Crime Commissioner"
        CHARITY = "charity", "Charity or voluntary sector"
        BUSINESS = "business", "Business partnership"
        OTHER = "other", "Other"

    key = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    website = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def website_url(self) -> str:
        """The website as a link target; documents print addresses without a scheme."""
        if not self.website or self.website.startswith(("http://", "https://")):
            return self.website
        return f"https://{self.website}"


class Partnership(models.Model):
    """A Community Safety Partnership: every record in the portal belongs to one."""

    key = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=100)
    areas = models.ManyToManyField(Area, related_name="partnerships", blank=True)
    formed_on = models.DateField(null=True, blank=True)
    formed_note = models.CharField(max_length=200, blank=True)
    dissolved_on = models.DateField(null=True, blank=True)
    dissolved_note = models.CharField(max_length=200, blank=True)
    organisations = models.ManyToManyField(
        Organisation, through="Membership", related_name="partnerships"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name or self.name

    @property
    def is_active(self) -> bool:
        return self.dissolved_on is None


class Membership(models.Model):
    """An organisation's place in a partnership, in the words the strategy used."""

    class Role(models.TextChoices):
        STATUTORY = "statutory", "Statutory member"
        SUPPORTING = "supporting", "Supporting agency"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    listed_as = models.CharField(max_length=200, blank=True)
    note = models.CharField(max_length=200, blank=True)
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["partnership", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "organisation"], name="unique_partnership_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} in {self.partnership} ({self.get_role_display()})"


class User(AbstractUser):
    """A person who signs in; what they may do comes from their roles."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="people"
    )

    def roles_in(self, partnership: Partnership | int) -> set[str]:
        """The role names this person holds in a partnership (cached per request object)."""
        pid = partnership if isinstance(partnership, int) else partnership.pk
        return {r.role for r in self.cached_roles if r.partnership_id == pid}

    @property
    def cached_roles(self) -> list[Role]:
        if not hasattr(self, "_cached_roles"):
            # Unordered: ordering by partnership would join partnerships on every request.
            self._cached_roles = list(self.roles.order_by()) if self.pk else []
        return self._cached_roles

    def partnership_ids(self) -> set[int]:
        return {r.partnership_id for r in self.cached_roles}

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Role(models.Model):
    """A person's role in one partnership: what they may see and change there."""

    class Name(models.TextChoices):
        OFFICER = "officer", "Community Safety Unit officer"
        PARTNER_LEAD = "partner_lead", "Partner lead"
        COMMITTEE = "committee", "Scrutiny committee member"
        ADMINISTRATOR = "administrator", "Administrator"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=20, choices=Name.choices)

    class Meta:
        ordering = ["partnership", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "partnership", "role"], name="unique_user_partnership_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.partnership}"
