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
    path("<slug:slug>/", views.AssessmentDetailView.as_view(), name="assessment_detail"),
    path("<slug:slug>/edit/", views.FindingsEditView.as_view(), name="assessment_edit"),
    path("<slug:slug>/publish/", views.PublishView.as_view(), name="assessment_publish"),
    path(
        "<slug:slug>/tables/<slug:table>.<str:fmt>",
        views.TableDownloadView.as_view(),
        name="assessment_table",
    ),
]
