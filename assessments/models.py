"""Strategic assessments: their figures and sources, and the imported data they are built from."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from partners.models import Area, Organisation, Partnership

ASB = "Anti-social behaviour"

# The 14 crime types of data.police.uk street-level files, ASB included (it is not a crime).
POLICE_UK_CRIME_TYPES = (
    ASB,
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
)


class AssessmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> AssessmentQuerySet:
        """Published assessments are public documents; drafts only for their partnership."""
        from partners.access import visible_in_partnership_q

        return self.filter(
            visible_in_partnership_q(user, Q(status=Assessment.Status.PUBLISHED), "partnership")
        )


class Assessment(models.Model):
    """A partnership's annual strategic assessment for one period, usually October to September."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="assessments"
    )
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    source_document = models.CharField(
        max_length=200, blank=True, help_text="The published document the figures come from."
    )
    data_notes = models.JSONField(
        default=list,
        blank=True,
        help_text="What the data behind a draft lacked (missing months, places without data).",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Incremented on every edit, so a second officer's save never silently overwrites the first.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-period_end", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="assessment_period_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("assessment_detail", args=[self.slug])

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class KeyFinding(models.Model):
    """One of an assessment's key findings, in order."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="findings")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.TextField()

    class Meta:
        ordering = ["assessment", "order"]

    def __str__(self) -> str:
        return self.text


class Measure(models.Model):
    """What a figure counts, e.g. "Total recorded crime"; shared by every assessment."""

    class Unit(models.TextChoices):
        COUNT = "count", "Number"
        PERCENTAGE = "percentage", "Percentage"
        RATE_PER_1000 = "rate_per_1000", "Rate per 1,000 population"
        RANK = "rank", "Rank"

    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200, unique=True)
    unit = models.CharField(max_length=20, choices=Unit.choices, default=Unit.COUNT)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Figure(models.Model):
    """One value of a measure for an area and a period, with where it came from."""

    class Section(models.TextChoices):
        HEADLINE = "headline", "Headline"
        PROFILE = "profile", "Profile"
        CATEGORY = "category", "By category"
        TREND = "trend", "Monthly trend"
        HOTSPOT_LOCATION = "hotspot_location", "Hotspot location"
        HOTSPOT_LSOA = "hotspot_lsoa", "Hotspot LSOA"
        TYPE_HOTSPOT_LOCATION = "type_hotspot_street", "Hotspot location for a crime type"
        TYPE_HOTSPOT_LSOA = "type_hotspot_lsoa", "Hotspot LSOA for a crime type"
        COMPARISON = "comparison", "Comparison with other partnerships"

    class Qualifier(models.TextChoices):
        EXACT = "", "Exactly"
        OVER = "over", "Over"
        UNDER = "under", "Under"
        ABOUT = "about", "About"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="figures")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="figures")
    section = models.CharField(max_length=20, choices=Section.choices, default=Section.HEADLINE)
    label = models.CharField(
        max_length=200,
        blank=True,
        help_text="What within the measure this row is: a crime type, street, LSOA or partnership.",
    )
    crime_type = models.CharField(
        max_length=60,
        blank=True,
        help_text="For a figure about one police.uk crime type (a hotspot of burglary): the type.",
    )
    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty means the whole partnership.",
    )
    geography = models.CharField(
        max_length=100,
        blank=True,
        help_text='A place outside the portal\'s areas, e.g. "Kent (county average)".',
    )
    period_start = models.DateField()
    period_end = models.DateField()
    period_label = models.CharField(
        max_length=100, blank=True, help_text='The period in the source\'s words: "2021 Census".'
    )
    value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    value_qualifier = models.CharField(
        max_length=10, choices=Qualifier.choices, default=Qualifier.EXACT, blank=True
    )
    out_of = models.PositiveIntegerField(
        null=True, blank=True, help_text="For a rank: how many were ranked."
    )
    comparison_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    comparison_period_start = models.DateField(null=True, blank=True)
    comparison_period_end = models.DateField(null=True, blank=True)
    change_percent = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    source_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_dataset = models.CharField(max_length=200, blank=True)
    source_sentence = models.TextField(
        blank=True, help_text="For a figure taken from a document: the sentence, word for word."
    )
    note = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["assessment", "section", "order"]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__isnull=False) | Q(change_percent__isnull=False),
                name="figure_has_value_or_change",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="figure_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        subject = f"{self.measure.name}: {self.label}" if self.label else self.measure.name
        return f"{subject} = {self.value if self.value is not None else '–'}"

    @property
    def where(self) -> str:
        """The area in words: a place outside the portal, an area, or the whole partnership."""
        if self.geography:
            return self.geography
        if self.area_id:
            return self.area.name
        return self.assessment.partnership.short_name


class CrimeTypeMapping(models.Model):
    """Which Home Office offence group (and subgroup) a police.uk crime type corresponds to."""

    crime_type = models.CharField(
        "police.uk crime type",
        max_length=60,
        choices=[(t, t) for t in POLICE_UK_CRIME_TYPES if t != ASB],
    )
    offence_group = models.CharField("Home Office offence group", max_length=120)
    offence_subgroup = models.CharField(
        "Home Office offence subgroup",
        max_length=120,
        blank=True,
        help_text="Empty means every subgroup of the group.",
    )
    # Incremented on every edit, so a second officer's save never silently overwrites the first.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["crime_type", "offence_group", "offence_subgroup"]
        constraints = [
            models.UniqueConstraint(
                fields=["crime_type", "offence_group", "offence_subgroup"],
                name="unique_crime_type_mapping",
            )
        ]

    def __str__(self) -> str:
        target = self.offence_group + (
            f" / {self.offence_subgroup}" if self.offence_subgroup else ""
        )
        return f"{self.crime_type} ↔ {target}"


class Place(models.Model):
    """A named place officers define to measure crime at, e.g. Bluewater: LSOAs and/or a box."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="places")
    name = models.CharField(max_length=100)
    lsoa_codes = models.JSONField(
        "LSOA codes", default=list, blank=True, help_text="E.g. E01024148 (2011 or 2021 codes)."
    )
    min_longitude = models.FloatField(null=True, blank=True)
    min_latitude = models.FloatField(null=True, blank=True)
    max_longitude = models.FloatField(null=True, blank=True)
    max_latitude = models.FloatField(null=True, blank=True)
    # Incremented on every edit, so a second officer's save never silently overwrites the first.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["partnership", "name"]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "name"], name="unique_place_name")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_box(self) -> bool:
        return None not in (
            self.min_longitude,
            self.min_latitude,
            self.max_longitude,
            self.max_latitude,
        )

    def records_q(self) -> Q:
        """Crime records at this place: in one of its LSOAs or inside its box."""
        q = Q(pk__in=[])
        if self.lsoa_codes:
            q |= Q(lsoa_code__in=self.lsoa_codes)
        if self.has_box:
            q |= Q(
                longitude__gte=self.min_longitude,
                longitude__lte=self.max_longitude,
                latitude__gte=self.min_latitude,
                latitude__lte=self.max_latitude,
            )
        return q


class ImportRun(models.Model):
    """One import of uploaded data: what was read, how far it got, and its report."""

    class Kind(models.TextChoices):
        POLICE_UK = "police_uk", "data.police.uk street-level crime"
        HOME_OFFICE = "home_office", "Home Office recorded crime (CSP level)"
        ONS_POPULATION = "ons_population", "ONS mid-year population estimates"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, null=True, blank=True, related_name="import_runs"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    original_filename = models.CharField(max_length=255, blank=True)
    stored_file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    report = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import {self.pk} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("assessment_import_detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def percent_done(self) -> int | None:
        if not self.rows_total:
            return None
        return min(100, round(100 * self.rows_done / self.rows_total))


class PoliceMonth(models.Model):
    """One force's month of police.uk data held, and the import that supplied it.

    Written in the import's own transaction, so it always says exactly what the crime records
    hold: which months have data, and whether a force-month being imported replaces one.
    """

    force = models.CharField(max_length=100, help_text='The file\'s "Falls within".')
    month = models.DateField(help_text="The first day of the month.")
    import_run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="+")
    rows = models.PositiveIntegerField()

    class Meta:
        ordering = ["-month", "force"]
        constraints = [
            models.UniqueConstraint(fields=["force", "month"], name="unique_police_force_month")
        ]

    def __str__(self) -> str:
        return f"{self.force} {self.month:%B %Y}"


class Lsoa(models.Model):
    """An LSOA code and the area its rows were placed in, learned from police.uk imports.

    The importer's memory across imports: a row with an LSOA code but no district it knows by
    name is placed by its code from here, without reading every crime record ever imported.
    """

    code = models.CharField("LSOA code", max_length=9, unique=True)
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["code"]
        verbose_name = "LSOA"
        verbose_name_plural = "LSOAs"

    def __str__(self) -> str:
        return self.code


class CrimeRecordQuerySet(models.QuerySet):
    def crimes(self) -> CrimeRecordQuerySet:
        """Recorded crime only: anti-social behaviour is never part of a crime total."""
        return self.exclude(crime_type=ASB)

    def asb(self) -> CrimeRecordQuerySet:
        return self.filter(crime_type=ASB)


class CrimeRecord(models.Model):
    """One row of a data.police.uk street-level file: a crime or an ASB incident.

    Written only by the importer (assessments.imports), which keeps PoliceMonth and Lsoa in
    step with these rows in the same transaction; the admin shows them read only.
    """

    force = models.CharField(max_length=100, help_text='The file\'s "Falls within".')
    reported_by = models.CharField(max_length=100, blank=True)
    month = models.DateField(help_text="The first day of the month.")
    crime_type = models.CharField(max_length=60)
    crime_id = models.CharField(max_length=64, blank=True)
    lsoa_code = models.CharField("LSOA code", max_length=9, blank=True)
    lsoa_name = models.CharField("LSOA name", max_length=100, blank=True)
    location = models.CharField(max_length=200, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    # No database constraint on these two keys: checking them row by row at commit doubled the
    # time of a million-row import. The importer only writes ids it has just read, and the ORM
    # still refuses to delete an area or an import that records point to (PROTECT).
    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    outcome = models.CharField(max_length=150, blank=True)
    context = models.TextField(blank=True)
    import_run = models.ForeignKey(
        ImportRun,
        on_delete=models.PROTECT,
        related_name="crime_records",
        db_index=False,
        db_constraint=False,
    )

    objects = CrimeRecordQuerySet.as_manager()

    class Meta:
        ordering = ["month", "pk"]
        # No index here: migration 0005 makes one per database (a BRIN index over area, month
        # and import on PostgreSQL, which also drops the primary-key b-tree; a b-tree on
        # SQLite). Each b-tree roughly doubled what a million-row COPY cost (decision 0018).

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.crime_type} {self.lsoa_name or 'no location'}"


class OffenceCount(models.Model):
    """One row of the Home Office police recorded crime open data tables at CSP level."""

    financial_year = models.CharField(max_length=7, help_text="E.g. 2023/24.")
    quarter = models.PositiveSmallIntegerField(help_text="Financial quarter: 1 is April to June.")
    quarter_start = models.DateField()
    force = models.CharField(max_length=100)
    csp_name = models.CharField("CSP name", max_length=150)
    is_unassigned = models.BooleanField(
        default=False, help_text='An "Unassigned" pseudo-CSP: in force totals, never in a CSP.'
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    offence_description = models.CharField(max_length=250)
    offence_group = models.CharField(max_length=120)
    offence_subgroup = models.CharField(max_length=120, blank=True)
    offence_code = models.CharField(max_length=20, blank=True)
    count = models.PositiveIntegerField()
    import_run = models.ForeignKey(
        ImportRun, on_delete=models.PROTECT, related_name="offence_counts", db_index=False
    )

    class Meta:
        ordering = ["quarter_start", "force", "csp_name", "offence_code"]
        indexes = [
            models.Index(fields=["force", "quarter_start"], name="offence_force_quarter"),
            models.Index(fields=["financial_year", "quarter"], name="offence_fy_quarter"),
        ]

    def __str__(self) -> str:
        return f"{self.financial_year} Q{self.quarter} {self.csp_name}: {self.offence_description}"
