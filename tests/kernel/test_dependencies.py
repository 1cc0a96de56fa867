"""The apps depend only back along the lifecycle and down to the kernel: a module imports
from an app before its own in FLOW, never after it (reporting, last, is imported by nobody).
The kernel imports no app except in its wiring: the URL configuration, the demo seed and the
scenarios (tests/kernel/lending/ checks that the lending engine imports no Django at all)."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
KERNEL = "microloan"
FLOW = ["applications", "underwriting", "servicing", "care", "collection", "reporting"]
# The kernel's own modules that wire the apps together.
KERNEL_MAY_IMPORT_APPS = {"microloan/urls.py", "microloan/management/commands/seed_demo.py", "microloan/scenarios.py"}


def _imports(path: Path) -> set[str]:
    """Top-level package names this module imports, lazy imports inside functions included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def _modules(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def test_every_app_of_the_flow_exists():
    assert [app for app in FLOW if not (ROOT / app / "apps.py").exists()] == []


@pytest.mark.parametrize("app", FLOW)
def test_an_app_imports_only_the_kernel_and_the_apps_before_it(app):
    later = set(FLOW[FLOW.index(app) + 1 :])
    wrong = {f"{path.relative_to(ROOT)} imports {name}" for path in _modules(app) for name in _imports(path) & later}
    assert sorted(wrong) == []


def test_the_kernel_imports_no_app_outside_its_wiring():
    wrong = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _modules(KERNEL)
        if path.relative_to(ROOT).as_posix() not in KERNEL_MAY_IMPORT_APPS
        for name in _imports(path) & set(FLOW)
    }
    assert sorted(wrong) == []
