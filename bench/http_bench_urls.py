"""The project's URLs plus the benchmark's baseline: a bare Django view returning a short string.

The baseline runs through the same gunicorn, settings and middleware as every other page, so
the ratio to it is the cost of the portal's own work (queries, templates, serialisation).
"""

from django.http import HttpResponse
from django.urls import include, path

from platform_ops.views import healthz


def baseline(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/baseline", baseline),
    path("bench/healthz", healthz),
    path("", include("csp_portal.urls")),
]

handler404 = "csp_portal.views.page_not_found"
handler500 = "csp_portal.views.server_error"
