from django.contrib import admin

from audit.admin import AuditedAdmin

from .models import (
    Action,
    Aim,
    Evidence,
    FocusItem,
    GovernanceGroup,
    Indicator,
    IndicatorValue,
    KeyContact,
    PartnershipSuccess,
    Priority,
    ProgressUpdate,
    ReminderLog,
    Strategy,
    StrategySection,
)


class SectionInline(admin.StackedInline):
    model = StrategySection
    extra = 0


@admin.register(Strategy)
class StrategyAdmin(AuditedAdmin):
    list_display = ["title", "partnership", "start_year", "end_year", "status"]
    list_filter = ["partnership", "status"]
    search_fields = ["title"]
    inlines = [SectionInline]


class FocusInline(admin.TabularInline):
    model = FocusItem
    extra = 0


class AimInline(admin.TabularInline):
    model = Aim
    extra = 0


class ActionInline(admin.TabularInline):
    model = Action
    extra = 0
    fields = ["order", "text", "lead_organisation", "due_date", "status"]


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ["order", "text", "unit", "desired_direction", "frequency", "per_area"]


@admin.register(Priority)
class PriorityAdmin(AuditedAdmin):
    list_display = ["__str__", "strategy"]
    list_filter = ["strategy"]
    inlines = [FocusInline, AimInline, ActionInline, IndicatorInline]


@admin.register(StrategySection)
class StrategySectionAdmin(AuditedAdmin):
    list_display = ["heading", "strategy", "order"]
    list_filter = ["strategy"]


class PriorityItemAdmin(AuditedAdmin):
    list_display = ["text", "priority", "order"]
    list_filter = ["priority__strategy"]
    search_fields = ["text"]


admin.site.register(FocusItem, PriorityItemAdmin)
admin.site.register(Aim, PriorityItemAdmin)


@admin.register(Action)
class ActionAdmin(PriorityItemAdmin):
    list_display = ["text", "priority", "lead_organisation", "status", "due_date"]
    list_filter = ["priority__strategy", "status", "lead_organisation"]
    filter_horizontal = ["supporting_organisations", "focus_items"]


@admin.register(Indicator)
class IndicatorAdmin(PriorityItemAdmin):
    list_display = ["text", "priority", "unit", "frequency", "per_area"]


@admin.register(PartnershipSuccess)
class PartnershipSuccessAdmin(AuditedAdmin):
    list_display = ["theme", "text", "funding", "strategy"]
    list_filter = ["strategy", "theme"]


@admin.register(GovernanceGroup)
class GovernanceGroupAdmin(AuditedAdmin):
    list_display = ["name", "kind", "strategy", "order"]
    list_filter = ["strategy", "kind"]


@admin.register(KeyContact)
class KeyContactAdmin(AuditedAdmin):
    list_display = ["heading", "department", "phone", "strategy"]
    list_filter = ["strategy"]


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    readonly_fields = ["original_name", "content_type", "size", "uploaded_at"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(AuditedAdmin):
    list_display = ["action", "update_date", "status", "created_by"]
    list_filter = ["status", "action__priority__strategy"]
    inlines = [EvidenceInline]


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["original_name", "content_type", "size", "update"]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(AuditedAdmin):
    list_display = ["indicator", "area", "period_start", "value", "submitted_by"]
    list_filter = ["indicator__priority__strategy", "area"]


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["user", "sent_on", "actions"]
