"""Template context shared by every page."""

from django.http import HttpRequest
from django.urls import reverse

from partners import access


def navigation(request: HttpRequest) -> dict:
    """Service navigation items, with the current section marked for screen readers."""
    path = request.path
    items = [
        {"text": "Strategies", "href": reverse("home")},
        {"text": "Assessments", "href": reverse("assessment_list")},
        {"text": "Surveys", "href": reverse("survey_list")},
    ]
    if request.user.is_authenticated:
        items += [
            {"text": "My actions", "href": reverse("my_actions")},
            {"text": "All actions", "href": reverse("action_list")},
            {"text": "Scrutiny", "href": reverse("scrutiny_index")},
        ]
        # Exercises are partnership working papers: the item only for people with a role.
        if access.is_superuser(request.user) or access.member_partnership_ids(request.user):
            items.append({"text": "Priority setting", "href": reverse("priority_exercise_list")})
    items.append({"text": "Organisations", "href": reverse("organisation_list")})
    if request.user.is_authenticated:
        items.append({"text": "API tokens", "href": reverse("api_tokens")})
    for item in items:
        item["active"] = path == item["href"] or (
            item["text"] == "Scrutiny"
            and path.startswith("/scrutiny/")
            and not path.startswith("/scrutiny/public/")
        )
    # "Strategies" owns the strategy and priority pages under /strategies/.
    if path.startswith("/strategies/"):
        items[0]["active"] = True
    return {"nav_items": items, "show_api_link": True, "api_link_href": reverse("api_guide")}
