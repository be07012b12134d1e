"""The project's URLs plus /healthz, for testing before csp_portal/urls.py includes it."""

from django.urls import path

from csp_portal.urls import urlpatterns as project_urlpatterns
from platform_ops.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    *[p for p in project_urlpatterns if getattr(p, "name", None) != "healthz"],
]
