from django.contrib import admin

from .models import (
    Answer,
    AnswerOption,
    ComputedResult,
    ItemMapping,
    PublishedResult,
    Question,
    Respondent,
    ResponseImport,
    Section,
    Survey,
)


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["title", "partnership", "fieldwork_start", "respondents", "status"]
    list_filter = ["partnership", "status"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["from_document", "responses_imported_at", "responses_purged_at"]
    inlines = [SectionInline]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["title", "survey", "order"]
    list_filter = ["survey"]


class OptionInline(admin.TabularInline):
    model = AnswerOption
    extra = 0


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "kind", "section", "survey", "order"]
    list_filter = ["survey", "kind"]
    search_fields = ["text"]
    raw_id_fields = ["parent", "parent_option", "section"]
    inlines = [OptionInline]


@admin.register(AnswerOption)
class AnswerOptionAdmin(admin.ModelAdmin):
    list_display = ["label", "question", "order", "counts_as_concern", "is_dont_know"]
    list_filter = ["question__survey"]
    search_fields = ["label", "question__text"]
    raw_id_fields = ["question"]


@admin.register(PublishedResult)
class PublishedResultAdmin(admin.ModelAdmin):
    list_display = ["question", "option", "count", "percentage", "base", "flag"]
    list_filter = ["question__survey", "flag"]
    raw_id_fields = ["question", "option"]


@admin.register(ComputedResult)
class ComputedResultAdmin(admin.ModelAdmin):
    list_display = ["question", "option", "group_option", "count", "disclosure"]
    list_filter = ["survey", "disclosure"]
    raw_id_fields = ["question", "option", "group_question", "group_option"]


@admin.register(ItemMapping)
class ItemMappingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "confirmed_by", "confirmed_at"]
    raw_id_fields = ["earlier_question", "earlier_option", "later_question", "later_option"]


class OfficerOnlyAdmin(admin.ModelAdmin):
    """Raw responses are personal data: only officers of the partnership (or superusers)."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


@admin.register(ResponseImport)
class ResponseImportAdmin(OfficerOnlyAdmin):
    list_display = ["file_name", "survey", "status", "respondents", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["headers", "errors", "notes", "respondents", "completed_at"]


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    raw_id_fields = ["question", "option"]


@admin.register(Respondent)
class RespondentAdmin(OfficerOnlyAdmin):
    list_display = ["__str__", "survey"]
    list_filter = ["survey"]
    inlines = [AnswerInline]


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ["respondent", "question", "option"]
    raw_id_fields = ["respondent", "question", "option"]

    def get_queryset(self, request):
        from partners.access import is_superuser, officer_partnership_ids

        qs = super().get_queryset(request)
        if is_superuser(request.user):
            return qs
        return qs.filter(
            respondent__survey__partnership_id__in=officer_partnership_ids(request.user)
        )
