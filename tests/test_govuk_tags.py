"""The GOV.UK tags every list and dashboard uses (csp_portal/templatetags/govuk.py)."""

from django.core.paginator import Paginator
from django.template import Context, Template

from csp_portal.templatetags.govuk import elided_pages, rag_tag


def test_it_links_the_ends_and_the_neighbours_of_the_current_page():
    page = Paginator(range(12_600), 50).page(100)
    assert elided_pages(page) == [1, "…", 99, 100, 101, "…", 252]
    assert elided_pages(Paginator(range(120), 50).page(1)) == [1, 2, 3]


def test_it_says_the_status_in_words_and_escapes_it():
    assert (
        rag_tag("Off track", "red") == '<strong class="govuk-tag app-rag--red">Off track</strong>'
    )
    # Anything but green, amber or red is grey; text is never trusted as markup.
    assert rag_tag("<b>New</b>", "purple") == (
        '<strong class="govuk-tag app-rag--grey">&lt;b&gt;New&lt;/b&gt;</strong>'
    )
    rendered = Template('{% load govuk %}{% rag_tag s "amber" %}').render(Context({"s": "At risk"}))
    assert rendered == '<strong class="govuk-tag app-rag--amber">At risk</strong>'
