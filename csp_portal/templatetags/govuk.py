"""GOV.UK pieces every page uses, as tags rather than includes: they render once per row."""

from __future__ import annotations

from django import template
from django.core.paginator import Page
from django.utils.html import format_html

register = template.Library()

RAG_COLOURS = {"green", "amber", "red"}


@register.filter
def elided_pages(page: Page) -> list:
    """Page numbers to link (first, last, the current one and its neighbours) and ellipses.

    Looping over every page number in the template cost a millisecond a request for a list of
    12,000 actions (250 pages).
    """
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1))


@register.simple_tag
def rag_tag(status: str, rag: str) -> str:
    """A RAG status tag: the status in words, so colour is never the only signal."""
    colour = rag if rag in RAG_COLOURS else "grey"
    return format_html('<strong class="govuk-tag app-rag--{}">{}</strong>', colour, status)
