from django.urls import path

from . import views

urlpatterns = [
    path("", views.ScrutinyIndexView.as_view(), name="scrutiny_index"),
    path("strategies/<slug:slug>/", views.DashboardView.as_view(), name="scrutiny_dashboard"),
    path(
        "strategies/<slug:slug>/exceptions/",
        views.ExceptionsView.as_view(),
        name="scrutiny_exceptions",
    ),
    path(
        "strategies/<slug:slug>/report/",
        views.ReportPreviewView.as_view(),
        name="scrutiny_report",
    ),
    path(
        "strategies/<slug:slug>/report.pdf",
        views.ReportPdfView.as_view(),
        name="scrutiny_report_pdf",
    ),
    path(
        "strategies/<slug:slug>/report.xlsx",
        views.ReportXlsxView.as_view(),
        name="scrutiny_report_xlsx",
    ),
    path("public/<slug:slug>/", views.PublicDashboardView.as_view(), name="scrutiny_public"),
    path(
        "partnerships/<slug:key>/public-dashboard/",
        views.PublicDashboardSettingView.as_view(),
        name="scrutiny_public_setting",
    ),
]
