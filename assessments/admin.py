"""Admin pages for every assessment model (administrators; officers use the portal's pages)."""

from django.contrib import admin

from audit.admin import AuditedAdmin

from .models import (
    Assessment,
    CrimeRecord,
    CrimeTypeMapping,
    Figure,
    ImportRun,
    KeyFinding,
    Lsoa,
    Measure,
    OffenceCount,
    Place,
    PoliceMonth,
)


class KeyFindingInline(admin.TabularInline):
    model = KeyFinding
    extra = 0


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["title", "partnership", "period_start", "period_end", "status"]
    list_filter = ["partnership", "status"]
    search_fields = ["title", "slug"]
    readonly_fields = ["created_at", "updated_at", "version"]
    inlines = [KeyFindingInline]


@admin.register(KeyFinding)
class KeyFindingAdmin(admin.ModelAdmin):
    list_display = ["assessment", "order", "text"]
    list_filter = ["assessment"]


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "unit"]
    list_filter = ["unit"]
    search_fields = ["name", "key"]
    prepopulated_fields = {"key": ["name"]}


@admin.register(Figure)
class FigureAdmin(admin.ModelAdmin):
    list_display = ["measure", "label", "assessment", "section", "value", "change_percent"]
    list_filter = ["assessment", "section", "measure"]
    list_select_related = ["measure", "assessment"]
    search_fields = ["label", "source_sentence"]
    raw_id_fields = ["assessment"]


@admin.register(CrimeTypeMapping)
class CrimeTypeMappingAdmin(AuditedAdmin):
    """Officers use /assessments/crime-types/; admin edits share its history and version."""

    readonly_fields = ["version"]
    list_display = ["crime_type", "offence_group", "offence_subgroup"]
    list_filter = ["crime_type"]


@admin.register(Place)
class PlaceAdmin(AuditedAdmin):
    """Officers use /assessments/places/; admin edits share its history and version."""

    readonly_fields = ["version"]
    list_display = ["name", "partnership"]
    list_filter = ["partnership"]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "partnership", "status", "original_filename", "created_at"]
    list_filter = ["kind", "status"]
    readonly_fields = ["created_at", "started_at", "finished_at"]


class ImportedOnlyAdmin(admin.ModelAdmin):
    """Rows only an import writes: the importer's registers (PoliceMonth, Lsoa) must always
    agree with the crime records, so nobody adds, edits or deletes them here."""

    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CrimeRecord)
class CrimeRecordAdmin(ImportedOnlyAdmin):
    list_display = ["month", "force", "crime_type", "lsoa_name", "location", "area"]
    list_filter = ["crime_type", "area"]
    search_fields = ["crime_id", "lsoa_code", "lsoa_name", "location"]
    raw_id_fields = ["import_run"]


@admin.register(PoliceMonth)
class PoliceMonthAdmin(ImportedOnlyAdmin):
    list_display = ["force", "month", "rows", "import_run"]
    list_filter = ["force"]


@admin.register(Lsoa)
class LsoaAdmin(ImportedOnlyAdmin):
    list_display = ["code", "area"]
    list_filter = ["area"]
    search_fields = ["code"]


@admin.register(OffenceCount)
class OffenceCountAdmin(admin.ModelAdmin):
    list_display = ["financial_year", "quarter", "force", "csp_name", "offence_group", "count"]
    list_filter = ["financial_year", "quarter", "force"]
    search_fields = ["csp_name", "offence_description"]
    raw_id_fields = ["import_run"]
    show_full_result_count = False
