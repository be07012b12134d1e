from django.urls import path

from . import views

urlpatterns = [
    path("", views.AssessmentListView.as_view(), name="assessment_list"),
    path("draft/", views.DraftCreateView.as_view(), name="assessment_draft"),
    path("imports/", views.ImportListView.as_view(), name="assessment_import_list"),
    path(
        "imports/new/<slug:kind>/",
        views.ImportCreateView.as_view(),
        name="assessment_import_new",
    ),
    path("imports/<int:pk>/", views.ImportDetailView.as_view(), name="assessment_import_detail"),
    path("places/", views.PlaceListView.as_view(), name="assessment_place_list"),
    path("places/new/", views.PlaceFormView.as_view(), name="assessment_place_new"),
    path("places/<int:pk>/edit/", views.PlaceFormView.as_view(), name="assessment_place_edit"),
    path("crime-types/", views.CrimeTypeMappingListView.as_view(), name="assessment_mapping_list"),
    path(
        "crime-types/new/", views.CrimeTypeMappingFormView.as_view(), name="assessment_mapping_new"
    ),
    path(
        "crime-types/<int:pk>/edit/",
        views.CrimeTypeMappingFormView.as_view(),
        name="assessment_mapping_edit",
    ),
    path("<slug:slug>/", views.AssessmentDetailView.as_view(), name="assessment_detail"),
    path("<slug:slug>/edit/", views.FindingsEditView.as_view(), name="assessment_edit"),
    path("<slug:slug>/publish/", views.PublishView.as_view(), name="assessment_publish"),
    path(
        "<slug:slug>/tables/<slug:table>.<str:fmt>",
        views.TableDownloadView.as_view(),
        name="assessment_table",
    ),
]
