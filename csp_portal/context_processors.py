"""Template context shared by every page."""

from django.http import HttpRequest
from django.urls import reverse


def navigation(request: HttpRequest) -> dict:
    """Service navigation items, with the current section marked for screen readers."""
    path = request.path
    items = [{"text": "Strategies", "href": reverse("home")}]
    if request.user.is_authenticated:
        items += [
            {"text": "My actions", "href": reverse("my_actions")},
            {"text": "All actions", "href": reverse("action_list")},
        ]
    items.append({"text": "Organisations", "href": reverse("organisation_list")})
    for item in items:
        item["active"] = path == item["href"]
    # "Strategies" owns the strategy and priority pages under /strategies/.
    if path.startswith("/strategies/"):
        items[0]["active"] = True
    return {"nav_items": items}
