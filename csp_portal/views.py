"""Error pages: GOV.UK pages for people, JSON for API clients."""

from django.http import HttpRequest, JsonResponse
from django.views import defaults


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/v1/")


def page_not_found(request: HttpRequest, exception=None):
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest):
    if _is_api(request):
        return JsonResponse(
            {"detail": "Something went wrong on our side; it has been logged."}, status=500
        )
    return defaults.server_error(request)
