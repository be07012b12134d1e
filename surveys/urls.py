from django.urls import path

from . import views

urlpatterns = [
    path("", views.survey_list, name="survey_list"),
    path("new/", views.survey_create, name="survey_create"),
    path("<slug:slug>/", views.survey_detail, name="survey_detail"),
    path("<slug:slug>/status/", views.survey_status, name="survey_status"),
    path("<slug:slug>/sections/<slug:key>/", views.survey_section, name="survey_section"),
    path("<slug:slug>/concerns/", views.survey_concerns, name="survey_concerns"),
    path("<slug:slug>/compare/", views.survey_compare_choose, name="survey_compare_choose"),
    path("<slug:slug>/compare/<slug:other>/", views.survey_compare, name="survey_compare"),
    path(
        "<slug:slug>/compare/<slug:other>/confirm/",
        views.survey_mapping_confirm,
        name="survey_mapping_confirm",
    ),
    path(
        "<slug:slug>/compare/<slug:other>/matches/<int:pk>/remove/",
        views.survey_mapping_remove,
        name="survey_mapping_remove",
    ),
    path("<slug:slug>/breakdown/", views.survey_breakdown, name="survey_breakdown"),
    path(
        "<slug:slug>/download/<slug:table>.<str:fmt>",
        views.survey_download,
        name="survey_download",
    ),
    path("<slug:slug>/import/", views.survey_import, name="survey_import"),
    path(
        "<slug:slug>/import/<int:pk>/columns/",
        views.survey_import_columns,
        name="survey_import_columns",
    ),
    path(
        "<slug:slug>/import/<int:pk>/answers/",
        views.survey_import_answers,
        name="survey_import_answers",
    ),
    path("<slug:slug>/import/<int:pk>/", views.survey_import_result, name="survey_import_result"),
]
