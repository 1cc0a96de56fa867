"""No raw code from the project's choice lists shows through on any page (#14 point 3): every
page each role reaches from its dashboard, on the demo data, in both languages."""

import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve

ROLES = ["officer", "reviewer", "manager", "collector", "auditor", "admin"]
SKIP = ("/api/", "/static/", "/i18n/", "/accounts/logout", "/healthz")
SKIP_SUFFIX = (".pdf", ".csv", ".xlsx", "/file/", "/download/")
PER_PATTERN = 2
CODE_LIKE = re.compile(r"[a-z_\s·,/→:\d.-]*")
DEMO_MARK = re.compile(r"\[demo-[\w-]+\]")
FILE_NAME = re.compile(r"[\w.-]+\.(pdf|png|jpe?g|csv|xlsx)", re.I)
# Money with four or more digits before the point and no thousands separator ("3000.00"), and
# rates or ratios shown as raw fractions ("0.080000", "0.1182") instead of percentages.
UNGROUPED_MONEY = re.compile(r"(?<![\d,.\-/#A-Za-z])\d{4,}\.\d{2}\b")
RAW_FRACTION = re.compile(r"(?<![\d.,])0\.\d{3,}(?!\d)")  # pages opened per URL pattern and role


def choice_codes() -> dict[str, str]:
    """Every code of every choice list of the project's models and the registered lists
    (channels, outcomes, reasons), with the label it should show instead."""
    from microloan.labels import _all_choices

    return {code: str(label) for code, label in _all_choices().items() if str(label) != code}


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code", "pre", "textarea"):  # a textarea: data being edited
            self._skip += 1
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code", "pre", "textarea") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.text.append(data.strip())


def crawl(client) -> dict[str, list[str]]:
    seen_patterns: dict[str, int] = {}
    pages: dict[str, list[str]] = {}
    queue = ["/"]
    while queue:
        url = queue.pop(0)
        if url in pages:
            continue
        try:
            match = resolve(urlsplit(url).path)
        except Resolver404:
            continue
        key = match.route
        if seen_patterns.get(key, 0) >= PER_PATTERN:
            continue
        seen_patterns[key] = seen_patterns.get(key, 0) + 1
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        page = Page()
        page.feed(response.content.decode())
        pages[url] = page.text
        for href in page.links:
            href = urldefrag(href)[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/"):
                continue
            if href.startswith(SKIP) or parts.path.endswith(SKIP_SUFFIX):
                continue
            queue.append(href)
    return pages


@pytest.mark.django_db
def test_no_page_shows_a_raw_code():
    """One test, so the demo is seeded once inside its transaction (and gone after it)."""
    from microloan.models import User

    call_command("seed_demo", password="demo-pass-123", force=True, verbosity=0)
    codes = choice_codes()
    underscore = {c for c in codes if "_" in c}
    words = {c for c in codes if re.fullmatch(r"[a-z]+", c)}
    names = set(User.objects.values_list("username", flat=True))
    found = set()
    formats = set()
    for role in ROLES:
        for language in ("en", "zh-hans"):
            client = Client(HTTP_ACCEPT_LANGUAGE=language)
            client.force_login(User.objects.get(username=role))
            pages = crawl(client)
            assert len(pages) > 3, (role, pages.keys())
            for url, texts in pages.items():
                for text in texts:
                    text = FILE_NAME.sub("", text)  # a stored file's own name is the uploader's
                    for pattern in (UNGROUPED_MONEY, RAW_FRACTION):
                        if pattern.search(text):
                            formats.add(f"{role} {language} {resolve(urlsplit(url).path).route}: {text[:80]!r}")
                    text = DEMO_MARK.sub("", text)  # seed_demo's own markers in free text
                    tokens = set(re.findall(r"[A-Za-z_]+", text)) - names
                    raw = tokens & underscore
                    if language == "zh-hans" and CODE_LIKE.fullmatch(text):  # not free text ("working capital")
                        raw |= tokens & words
                    if raw:
                        found.add(f"{role} {language} {resolve(urlsplit(url).path).route}: {text[:80]!r} {sorted(raw)}")
    assert not found, "\n".join(sorted(found))
    assert not formats, "money without separators or rates as fractions:\n" + "\n".join(sorted(formats))
