"""A partnership's Community Safety Strategy: priorities, focus, aims, actions and indicators."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse

from partners.models import Organisation, Partnership


class StrategyQuerySet(models.QuerySet):
    def visible_to(self, user) -> StrategyQuerySet:
        """Published and archived strategies are public documents; drafts only for their CSP."""
        from partners.access import visible_strategy_q

        return self.filter(visible_strategy_q(user))


class Strategy(models.Model):
    """A three-year Community Safety Strategy of one partnership."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    PUBLIC_STATUSES = (Status.PUBLISHED, Status.ARCHIVED)

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="strategies"
    )
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    start_year = models.PositiveSmallIntegerField()
    end_year = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    source_document = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = StrategyQuerySet.as_manager()

    class Meta:
        ordering = ["-start_year", "title"]
        verbose_name_plural = "strategies"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("strategy_detail", args=[self.slug])

    @property
    def period(self) -> str:
        return f"{self.start_year}-{self.end_year}"

    @property
    def is_public(self) -> bool:
        return self.status in self.PUBLIC_STATUSES

    @property
    def period_start(self) -> dt.date:
        """Strategies run by financial year: 1 April of the first year."""
        return dt.date(self.start_year, 4, 1)

    @property
    def period_end(self) -> dt.date:
        return dt.date(self.end_year, 3, 31)


class StrategySection(models.Model):
    """A narrative section (foreword, profile, how priorities were chosen) as blocks of text."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(max_length=60)
    heading = models.CharField(max_length=200)
    # A list of {"p": text} | {"ul": [items]} | {"h": text}: structure kept, no HTML stored.
    body = models.JSONField(default=list)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["strategy", "order"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "key"], name="unique_strategy_section")
        ]

    def __str__(self) -> str:
        return self.heading


class Priority(models.Model):
    """One of a strategy's priorities, in the order the strategy numbers them."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="priorities")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)
    listed_title = models.CharField(
        max_length=300, blank=True, help_text="The wording in the strategy's summary list."
    )
    why = models.TextField(
        "Why is this important?", blank=True, help_text="Paragraphs separated by a blank line."
    )
    actions_heading = models.CharField(max_length=200, blank=True)
    indicators_heading = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["strategy", "number"]
        verbose_name_plural = "priorities"
        constraints = [
            models.UniqueConstraint(fields=["strategy", "number"], name="unique_priority_number")
        ]

    def __str__(self) -> str:
        return f"Priority {self.number}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("priority_detail", args=[self.strategy.slug, self.number])

    @property
    def anchor(self) -> str:
        return f"priority-{self.number}"

    @property
    def why_paragraphs(self) -> list[str]:
        return [p for p in self.why.split("\n\n") if p.strip()]


class PriorityItem(models.Model):
    """Shared shape of the ordered text lists under a priority."""

    priority = models.ForeignKey(Priority, on_delete=models.CASCADE, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.TextField()
    # Rows transcribed from the published document are managed by the seed loader; rows
    # officers add in the portal are never touched by it.
    from_document = models.BooleanField(default=False, editable=False)

    class Meta:
        abstract = True
        ordering = ["priority", "order"]

    def __str__(self) -> str:
        return self.text


class FocusItem(PriorityItem):
    """A "What is our focus?" item."""

    priority = models.ForeignKey(Priority, on_delete=models.CASCADE, related_name="focus_items")

    class Meta(PriorityItem.Meta):
        verbose_name = "focus item"


class Aim(PriorityItem):
    """A "What is our aim for change by the end of this Strategy?" item."""

    priority = models.ForeignKey(Priority, on_delete=models.CASCADE, related_name="aims")

    class Meta(PriorityItem.Meta):
        verbose_name = "aim for change"
        verbose_name_plural = "aims for change"


class ActionQuerySet(models.QuerySet):
    def visible_to(self, user) -> ActionQuerySet:
        """Members of the partnership see every action; others only the published document's."""
        from partners.access import visible_action_q

        return self.filter(visible_action_q(user))

    def current(self) -> ActionQuerySet:
        return self.filter(retired_at__isnull=True)

    def overdue(self, today: dt.date | None = None) -> ActionQuerySet:
        today = today or dt.date.today()
        return self.filter(due_date__lt=today).exclude(status=Action.Status.COMPLETED)

    def for_list(self) -> ActionQuerySet:
        return self.select_related("priority__strategy__partnership", "lead_organisation", "owner")


class Action(PriorityItem):
    """Something the partnership will do under a priority, led by one organisation."""

    class Status(models.TextChoices):
        NO_UPDATE = "no_update", "No update yet"
        NOT_STARTED = "not_started", "Not started"
        ON_TRACK = "on_track", "On track"
        AT_RISK = "at_risk", "At risk"
        OFF_TRACK = "off_track", "Off track"
        COMPLETED = "completed", "Completed"

    priority = models.ForeignKey(Priority, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField(blank=True)
    lead_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_actions",
    )
    supporting_organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="supported_actions"
    )
    focus_items = models.ManyToManyField(FocusItem, blank=True, related_name="actions")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_actions",
    )
    start_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    # The latest progress update's status, kept on the row so lists filter without a join.
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NO_UPDATE)
    retired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # Optimistic locking: a save must name the version it started from.
    version = models.PositiveIntegerField(default=1)

    objects = ActionQuerySet.as_manager()

    class Meta(PriorityItem.Meta):
        verbose_name = "action"
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self) -> str:
        return self.text if len(self.text) <= 120 else self.text[:117] + "…"

    def get_absolute_url(self) -> str:
        return reverse("action_detail", args=[self.pk])

    @property
    def strategy(self) -> Strategy:
        return self.priority.strategy

    @property
    def partnership_id(self) -> int:
        return self.priority.strategy.partnership_id

    def is_overdue(self, today: dt.date | None = None) -> bool:
        today = today or dt.date.today()
        return bool(
            self.due_date and self.due_date < today and self.status != self.Status.COMPLETED
        )

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    @property
    def rag(self) -> str:
        """The colour that goes with the status word; the word is always shown too."""
        return STATUS_RAG.get(self.status, "grey")


STATUS_RAG = {
    Action.Status.ON_TRACK: "green",
    Action.Status.COMPLETED: "green",
    Action.Status.AT_RISK: "amber",
    Action.Status.OFF_TRACK: "red",
    Action.Status.NOT_STARTED: "grey",
    Action.Status.NO_UPDATE: "grey",
}


def evidence_path(instance: Evidence, filename: str) -> str:
    return f"evidence/{instance.update.action_id}/{uuid.uuid4().hex}/{filename}"


class ProgressUpdate(models.Model):
    """A dated report on an action; the latest one sets the action's status."""

    STATUSES = [c for c in Action.Status.choices if c[0] != Action.Status.NO_UPDATE]

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    update_date = models.DateField("Date of update")
    status = models.CharField(max_length=20, choices=STATUSES)
    commentary = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="progress_updates"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-update_date", "-created_at", "-id"]
        get_latest_by = ["update_date", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.update_date:%d %B %Y}: {self.get_status_display()}"

    @property
    def rag(self) -> str:
        return STATUS_RAG.get(self.status, "grey")


class Evidence(models.Model):
    """A file attached to a progress update, its type checked from its content."""

    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name_plural = "evidence"

    def __str__(self) -> str:
        return self.original_name


class Indicator(PriorityItem):
    """A performance indicator monitored for a priority."""

    class Unit(models.TextChoices):
        COUNT = "count", "Number"
        RATE = "rate", "Rate"
        PERCENTAGE = "percentage", "Percentage"

    class Direction(models.TextChoices):
        NOT_SET = "", "Not set"
        UP = "up", "Higher is better"
        DOWN = "down", "Lower is better"

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"
        ANNUAL = "annual", "Annual"

    priority = models.ForeignKey(Priority, on_delete=models.CASCADE, related_name="indicators")
    unit = models.CharField(max_length=20, choices=Unit.choices, default=Unit.COUNT)
    desired_direction = models.CharField(
        max_length=10, choices=Direction.choices, default=Direction.NOT_SET, blank=True
    )
    frequency = models.CharField(
        max_length=20, choices=Frequency.choices, default=Frequency.QUARTERLY
    )
    per_area = models.BooleanField(
        "Reported per area", default=False, help_text='Reported "in each Borough".'
    )
    source_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="source_of_indicators",
        help_text="The organisation that submits this indicator's figures.",
    )
    target = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    tolerance_percent = models.DecimalField(
        "Tolerance (%)",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="How far past the target, in per cent of it, still counts as within tolerance.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta(PriorityItem.Meta):
        verbose_name = "performance indicator"

    def get_absolute_url(self) -> str:
        return reverse("indicator_detail", args=[self.pk])

    @property
    def name(self) -> str:
        return self.text

    def assess(self, value: Decimal | None) -> tuple[str, str]:
        """A value's status in words and its colour, respecting the desired direction."""
        if value is None:
            return "No value", "grey"
        if self.target is None or not self.desired_direction:
            return "No target set", "grey"
        tolerance = abs(self.target) * (self.tolerance_percent or Decimal(0)) / Decimal(100)
        if self.desired_direction == self.Direction.DOWN:
            if value <= self.target:
                return "Within target", "green"
            if value <= self.target + tolerance:
                return "Within tolerance", "amber"
        else:
            if value >= self.target:
                return "Within target", "green"
            if value >= self.target - tolerance:
                return "Within tolerance", "amber"
        return "Outside tolerance", "red"


def quarter_start(day: dt.date) -> dt.date:
    """The first day of the calendar quarter a date falls in."""
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def financial_quarter_label(start: dt.date) -> str:
    """'2025-26 Q1 (April to June 2025)': UK public bodies count quarters from April."""
    fy = start.year if start.month >= 4 else start.year - 1
    q = ((start.month - 4) % 12) // 3 + 1
    end = dt.date(start.year, start.month + 2, 1)
    return f"{fy}-{str(fy + 1)[-2:]} Q{q} ({start:%B} to {end:%B %Y})"


class IndicatorValueQuerySet(models.QuerySet):
    def visible_to(self, user) -> IndicatorValueQuerySet:
        from partners.access import visible_indicator_value_q

        return self.filter(visible_indicator_value_q(user))


class IndicatorValue(models.Model):
    """An indicator's figure for one period (and one area, if reported per area)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    area = models.ForeignKey(
        "partners.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    period_start = models.DateField(help_text="First day of the period (a quarter by default).")
    value = models.DecimalField(max_digits=14, decimal_places=2)
    note = models.TextField(blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="indicator_values"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    version = models.PositiveIntegerField(default=1)

    objects = IndicatorValueQuerySet.as_manager()

    class Meta:
        ordering = ["indicator", "period_start", "area__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area", "period_start"],
                condition=models.Q(area__isnull=False),
                name="unique_indicator_area_period",
            ),
            models.UniqueConstraint(
                fields=["indicator", "period_start"],
                condition=models.Q(area__isnull=True),
                name="unique_indicator_period",
            ),
        ]

    def __str__(self) -> str:
        where = f" {self.area.name}" if self.area_id else ""
        return f"{self.indicator.text[:60]}{where} {self.period_label}: {self.value}"

    @property
    def period_label(self) -> str:
        return financial_quarter_label(self.period_start)

    @property
    def assessment(self) -> tuple[str, str]:
        return self.indicator.assess(self.value)


class ReminderLog(models.Model):
    """One reminder e-mail per person per day, however often cron runs the command."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_on = models.DateField()
    actions = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "sent_on"], name="unique_reminder_per_day")
        ]

    def __str__(self) -> str:
        return f"Reminder to {self.user} on {self.sent_on}"


class StrategyListItem(models.Model):
    """Shared shape of the ordered lists that hang off a strategy rather than a priority."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["strategy", "order"]


class PartnershipSuccess(StrategyListItem):
    """A key partnership success the strategy reports, with any funding it names."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="successes")
    theme = models.CharField(max_length=200)
    text = models.TextField()
    funding = models.CharField(max_length=40, blank=True, help_text="As written, e.g. £248,242.")
    funding_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta(StrategyListItem.Meta):
        verbose_name = "key partnership success"
        verbose_name_plural = "key partnership successes"

    def __str__(self) -> str:
        return self.text[:80]

    @staticmethod
    def parse_funding(text: str) -> Decimal | None:
        """'£248,242' → 248242; '£1.3m' → 1300000; a missing or odd amount → None."""
        raw = text.strip().lstrip("£").replace(",", "").lower()
        if not raw:
            return None
        multiplier = Decimal(1)
        if raw.endswith("m"):
            raw, multiplier = raw[:-1], Decimal(1_000_000)
        elif raw.endswith("k"):
            raw, multiplier = raw[:-1], Decimal(1_000)
        try:
            return Decimal(raw) * multiplier
        except ArithmeticError:
            return None


class GovernanceGroup(StrategyListItem):
    """A board, group or committee in the partnership's governance structure."""

    class Kind(models.TextChoices):
        PARTNERSHIP = "partnership", "Partnership"
        GROUP = "group", "Group"
        UNIT = "unit", "Community Safety Unit"
        COMMITTEE = "committee", "Scrutiny committee"
        CONTRIBUTING = "contributing", "Further contributing group"

    strategy = models.ForeignKey(
        Strategy, on_delete=models.CASCADE, related_name="governance_groups"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.GROUP)
    note = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return self.name


class KeyContact(StrategyListItem):
    """A contact address the strategy publishes for a partner organisation."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="contacts")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="key_contacts"
    )
    heading = models.CharField(max_length=200)
    department = models.CharField(max_length=200, blank=True)
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    website = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.heading.replace("\n", " ")
