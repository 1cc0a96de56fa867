"""The shared pager keeps every filter and the sort of its list (#14 point 4: the collection
worklist's pager dropped the bucket) and drops only the page number."""

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def test_the_pager_links_keep_every_filter_but_the_page():
    request = RequestFactory().get("/collections/", {"bucket": "31-60", "q": "王", "assigned": "me", "page": "2"})
    page = Paginator(list(range(100)), 25).get_page(2)
    html = render_to_string("_pager.html", {"page": page}, request=request)
    assert 'href="?bucket=31-60&amp;q=%E7%8E%8B&amp;assigned=me&amp;page=1"' in html
    assert 'href="?bucket=31-60&amp;q=%E7%8E%8B&amp;assigned=me&amp;page=3"' in html
    assert html.count("page=") == 2  # the old page number is not carried along


def test_without_filters_the_links_carry_only_the_page():
    page = Paginator(list(range(30)), 25).get_page(1)
    html = render_to_string("_pager.html", {"page": page}, request=RequestFactory().get("/loans/"))
    assert 'href="?page=2"' in html
