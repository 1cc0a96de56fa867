"""microloan/api.py: the plumbing every app's API shares. Here the ScopedQueryset mixin, the
one home of the schema-generation guard (``swagger_fake_view``) of every API view that finds
objects."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import viewsets
from rest_framework.generics import GenericAPIView
from rest_framework.test import APIRequestFactory

from applications.models import Borrower
from microloan.api import ScopedQueryset

ROOT = Path(settings.BASE_DIR)
SKIPPED = {".venv", ".git", "migrations", "tests", "node_modules"}


def _api_view_classes() -> set[type]:
    found: set[type] = set()

    def walk(patterns):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns)
            elif isinstance(p, URLPattern):
                cls = getattr(p.callback, "cls", None) or getattr(p.callback, "view_class", None)
                if cls is not None:
                    found.add(cls)

    walk(get_resolver().url_patterns)
    return found


def _ours(cls: type) -> bool:
    return not cls.__module__.startswith(("rest_framework", "drf_spectacular", "django"))


def test_the_schema_guard_is_written_once_in_the_kernel():
    where = sorted(
        path.relative_to(ROOT).as_posix()
        for path in ROOT.rglob("*.py")
        if not SKIPPED & set(path.relative_to(ROOT).parts) and "swagger_fake_view" in path.read_text(encoding="utf-8")
    )
    assert where == ["microloan/api.py"]


def test_every_api_view_of_the_project_that_finds_objects_uses_the_mixin():
    views = [cls for cls in _api_view_classes() if issubclass(cls, GenericAPIView) and _ours(cls)]
    assert len(views) >= 15  # borrowers, products, leads, applications, loans, complaints, ...
    strays = [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in views
        if not issubclass(cls, ScopedQueryset)
        or cls.get_queryset is not ScopedQueryset.get_queryset
        or getattr(cls, "queryset", None) is None
    ]
    assert strays == []


class _Borrowers(ScopedQueryset, viewsets.GenericViewSet):
    queryset = Borrower.objects.none()
    calls: list[str] = []

    def scoped_queryset(self):
        self.calls.append(self.request.user.username)
        return Borrower.objects.filter(user=self.request.user)


def _view(**attrs):
    view = _Borrowers()
    view.request = APIRequestFactory().get("/")
    view.request.user = type("U", (), {"username": "officer"})()
    for name, value in attrs.items():
        setattr(view, name, value)
    return view


def test_building_the_schema_gets_the_empty_queryset_and_runs_no_selector():
    _Borrowers.calls = []
    qs = _view(swagger_fake_view=True).get_queryset()

    assert qs.model is Borrower
    assert qs.query.is_empty()
    assert _Borrowers.calls == []


@pytest.mark.django_db
def test_a_request_gets_the_scoped_queryset(borrower, borrower_user):
    _Borrowers.calls = []
    view = _view()
    view.request.user = borrower_user

    assert list(view.get_queryset()) == [borrower]
    assert _Borrowers.calls == ["mobile_user"]


def test_a_view_that_names_no_objects_says_so():
    class Nameless(ScopedQueryset, viewsets.GenericViewSet):
        queryset = Borrower.objects.none()

    view = Nameless()
    view.request = APIRequestFactory().get("/")
    with pytest.raises(NotImplementedError, match="Nameless"):
        view.get_queryset()
