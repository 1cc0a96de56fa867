"""The permission table (microloan/permissions.py) against every URL and API operation.

Every route of the project must name its table entry; then every role is sent to every
operation (each method of each route, with ids that match nothing) and must be refused (403)
exactly when the table leaves its role out: the check runs before any object is looked up, so
an allowed role gets a 404, a 400 or an answer, never a 403."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from microloan import permissions
from microloan.models import STAFF_ROLES, Role
from microloan.permissions import TABLE, can, entry
from microloan.workflow import REGISTRY
from tests.applications.factories import BorrowerFactory

from .factories import UserFactory, login_verified

# Routes outside the table, each for a reason: the login pages and the language switch (before
# any login), the health probe, the token endpoints (their own throttled, unauthenticated
# views), the schema pages (open in the test settings; production puts them behind a login)
# and the borrowers' app's files (/app/: static files; the app logs in through the API); the
# Django admin's index (a redirect to the product's own screens, or Django's for a superuser).
OUTSIDE = {
    "admin-entry",
    "borrower-app",
    "borrower-app-file",
    "login",
    "login-otp",
    "logout",
    "set_language",
    "healthz",
    "token_obtain_pair",
    "token_refresh",
    "schema",
    "api-docs",
}
ROLES = [*sorted(STAFF_ROLES), Role.BORROWER]
NO_ID = "999999"


def _routes(resolver=None, prefix="", namespace=""):
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            if p.app_name == "admin" or getattr(p, "namespace", None) == "admin":
                continue
            yield from _routes(p, prefix + str(p.pattern), p.namespace or namespace)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def _path(pattern: str) -> str | None:
    """A concrete path for a route, every id a number that matches nothing; None for the
    format-suffix twins (the same view as the route without the suffix)."""
    if "format" in pattern:
        return None
    pattern = pattern.replace("^", "").replace("$", "")
    pattern = re.sub(r"<int:\w+>", NO_ID, pattern)
    pattern = re.sub(r"\(\?P<action>[^)]*\)", "submit", pattern)
    pattern = re.sub(r"\(\?P<\w+>[^)]*\)", NO_ID, pattern)
    return "/" + pattern


def _operations():
    """(path, HTTP method, table entry) for every operation of every route in the table."""
    ops = []
    for pattern, p in _routes():
        if p.name in OUTSIDE or (path := _path(pattern)) is None:
            continue
        callback = p.callback
        cls = getattr(callback, "cls", None)
        if cls is None:  # a page
            action = getattr(callback, "permission_action", None)
            assert action, f"page {p.name} ({pattern}) has no permission entry: decorate it with @page"
            ops += [(path, "GET", action, "page"), (path, "POST", action, "page")]
            continue
        methods = getattr(callback, "actions", None) or {
            m.upper(): None for m in ("get", "post", "put", "patch", "delete") if hasattr(cls, m)
        }
        for method, view_action in methods.items():
            method = method.upper()
            view = cls()
            view.action = view_action

            class _Request:
                pass

            request = _Request()
            request.method = method
            action = permissions.view_action(view, request)
            assert action, f"API {p.name} {method} ({pattern}) has no permission entry"
            ops.append((path, method, action, "api"))
    return ops


OPERATIONS = _operations()


def test_every_route_names_an_entry_of_the_table():
    # _operations() asserts an entry for each; here: the entries exist and the set is whole.
    assert len(OPERATIONS) > 100
    for *_rest, action, _kind in OPERATIONS:
        entry(action)


def test_every_workflow_transition_takes_its_roles_from_the_table():
    for entity, workflow in REGISTRY.items():
        for t in workflow.transitions.values():
            assert t.roles == TABLE[f"{entity}.{t.action}"].roles


def test_every_entry_is_used():
    """No dead rows: each entry is a route's, a transition's, or named by a service or page."""
    import pathlib

    used = {a for _p, _m, a, _k in OPERATIONS}
    used |= {f"{e}.{a}" for e, w in REGISTRY.items() for a in w.transitions}
    root = pathlib.Path(__file__).resolve().parents[2]
    sources = "".join(
        f.read_text()
        for pattern in ("*/**/*.py", "templates/**/*.html")
        for f in root.glob(pattern)
        if ".venv" not in f.parts and "tests" not in f.parts and f.name != "permissions.py"
    )
    unused = [a for a in TABLE if a not in used and f'"{a}"' not in sources]
    assert unused == []


def test_separation_of_duties():
    # The administrator runs the system and takes no business action; the auditor never writes.
    business = [
        "borrower.create",
        "borrower.change",
        "lead.convert",
        "application.approve",
        "complaint.create",
        "complaint.acknowledge",
        "follow_up_visit.create",
        "repayment.post",
        "promise_to_pay.create",
    ]
    for action in business:
        assert Role.ADMIN not in TABLE[action].roles, action
    writes = [a for a in TABLE if not a.endswith((".view", ".queue", ".worklist", ".case", ".par", ".summary"))]
    for action in writes:
        if action in ("account", "public", "notification.own", "document.open", "ledger.trial_balance"):
            continue
        assert Role.AUDITOR not in TABLE[action].roles, action


@pytest.fixture
def clients(db, branch, settings):
    settings.SANDBOX_ENABLED = True  # the sandbox's pages answer (on a demo they do)
    made = {}
    for role in ROLES:
        user = UserFactory(role=role, branch=branch, username=f"perm-{role}")
        if role == Role.BORROWER:
            BorrowerFactory(user=user, branch=branch)  # the app's login has its borrower
        page_client = Client()
        login_verified(page_client, user)
        api_client = APIClient()
        api_client.force_authenticate(user)
        made[role] = (user, page_client, api_client)
    return made


def _send(client, method, path):
    if method == "GET":
        return client.get(path)
    if isinstance(client, APIClient):
        return getattr(client, method.lower())(path, {}, format="json")
    return getattr(client, method.lower())(path, {})


@pytest.mark.parametrize("role", ROLES)
def test_the_whole_matrix(role, clients):
    """Every role against every operation: 403 exactly where the table says no."""
    user, page_client, api_client = clients[role]
    wrong = []
    for path, method, action, kind in OPERATIONS:
        allowed = can(user, action) and (kind == "api" or role != Role.BORROWER)
        r = _send(api_client if kind == "api" else page_client, method, path)
        if r.status_code == 405:  # a page that takes only POST, or only GET
            continue
        # a borrower who opens a staff page is sent to the app: refused as surely as a 403
        to_app = kind != "api" and method == "GET" and r.status_code == 302 and r.get("Location") == "/app/"
        if (r.status_code == 403 or to_app) == allowed:
            wrong.append(f"{method} {path} [{action}] -> {r.status_code}")
    assert wrong == []


def test_a_refusal_names_the_role_and_the_act_on_the_api_and_the_page(clients):
    user, page_client, api_client = clients[Role.AUDITOR]
    r = api_client.post("/api/v1/borrowers/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 403
    assert r.json()["detail"] == "Role 'Auditor' may not register borrowers."
    page = page_client.get("/borrowers/new/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 403


def test_the_auditor_may_not_record_a_promise(branch):
    from microloan.errors import NotAllowed

    auditor = UserFactory(role=Role.AUDITOR, branch=branch)
    with pytest.raises(NotAllowed):
        permissions.require(auditor, "promise_to_pay.create")


def test_the_readme_holds_the_matrix():
    from microloan.management.commands.permission_table import README, readme_with_matrix

    text = README.read_text(encoding="utf-8")
    assert readme_with_matrix(text) == text, "run: manage.py permission_table --readme"
