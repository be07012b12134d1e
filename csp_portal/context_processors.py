"""Template context shared by every page."""

from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.urls import get_script_prefix, reverse

from partners import access


@lru_cache(maxsize=64)
def _url(name: str, prefix: str) -> str:
    """A URL without arguments: the same for every request under one script prefix."""
    return reverse(name)


def url(name: str) -> str:
    return _url(name, get_script_prefix())


@receiver(setting_changed)
def _forget_urls(setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _url.cache_clear()


def navigation(request: HttpRequest) -> dict:
    """Service navigation items, with the current section marked for screen readers."""
    path = request.path
    items = [
        {"text": "Strategies", "href": url("home")},
        {"text": "Assessments", "href": url("assessment_list")},
        {"text": "Surveys", "href": url("survey_list")},
    ]
    signed_in = request.user.is_authenticated
    if signed_in:
        items += [
            {"text": "My actions", "href": url("my_actions")},
            {"text": "All actions", "href": url("action_list")},
            {"text": "Scrutiny", "href": url("scrutiny_index")},
        ]
        # Exercises are partnership working papers: the item only for people with a role.
        if access.is_superuser(request.user) or access.member_partnership_ids(request.user):
            items.append({"text": "Priority setting", "href": url("priority_exercise_list")})
    items.append({"text": "Organisations", "href": url("organisation_list")})
    if signed_in:
        items.append({"text": "API tokens", "href": url("api_tokens")})
    for item in items:
        # Every key the template reads is present: a missing one costs a dir() per lookup.
        item["current"] = False
        item["active"] = path == item["href"] or (
            item["text"] == "Scrutiny"
            and path.startswith("/scrutiny/")
            and not path.startswith("/scrutiny/public/")
        )
    # "Strategies" owns the strategy and priority pages under /strategies/.
    if path.startswith("/strategies/"):
        items[0]["active"] = True
    context = {"nav_items": items, "show_api_link": True, "api_link_href": url("api_guide")}
    if signed_in:
        context["account_name"] = request.user.display_name
    return context
