from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import TemplateView

from csp_portal import idle_session
from partners import views as partner_views
from platform_ops.views import healthz

admin.site.site_header = "CSP Portal administration"
admin.site.site_title = "CSP Portal administration"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", include("priorities.urls")),
    path("assessments/", include("assessments.urls")),
    path("surveys/", include("surveys.urls")),
    path("priority-setting/", include("priority_setting.urls")),
    path("scrutiny/", include("scrutiny.urls")),
    path("organisations/", partner_views.OrganisationListView.as_view(), name="organisation_list"),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("session/", idle_session.session_status, name="session_status"),
    path("session/keep-alive/", idle_session.session_keep_alive, name="session_keep_alive"),
    path(
        "accessibility/",
        TemplateView.as_view(template_name="pages/accessibility.html"),
        name="accessibility",
    ),
    path("api/v1/", include("api.urls")),
    path("api/", include("api.page_urls")),
    path("admin/", admin.site.urls),
]

handler404 = "csp_portal.views.page_not_found"
handler500 = "csp_portal.views.server_error"
