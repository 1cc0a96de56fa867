"""The house's layout rules: files a person can read.

No module of the project (migrations and tests aside) runs past ``MAX_LINES`` lines unless a
line near its top says why, starting ``# Long module:``. The modules still waiting to be split
are listed here by name; the list only shrinks.
"""

from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
MAX_LINES = 400
# How far down "near the top" goes: past a module docstring of a dozen lines or so.
REASON_WITHIN = 30
REASON = "# Long module:"

# Being split in #10: each leaves the list when its part of the issue lands.
ALLOWED_LONG = {
    # Past 400 lines once ruff format wrapped them: each wants a package next.
}


def _modules() -> list[Path]:
    skipped = {".venv", ".git", "migrations", "tests", "node_modules"}
    return sorted(
        path
        for path in ROOT.rglob("*.py")
        if not skipped & set(path.relative_to(ROOT).parts)
        and not path.name.startswith("test_")
        and path.name != "conftest.py"
    )


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _has_reason(lines: list[str]) -> bool:
    return any(line.startswith(REASON) and len(line[len(REASON) :].strip()) >= 10 for line in lines[:REASON_WITHIN])


def test_no_module_is_long_without_a_reason_at_its_top():
    long = [
        f"{path.relative_to(ROOT).as_posix()} ({len(lines)} lines)"
        for path in _modules()
        if len(lines := _lines(path)) > MAX_LINES
        and not _has_reason(lines)
        and path.relative_to(ROOT).as_posix() not in ALLOWED_LONG
    ]

    assert long == [], f"split these, or say why at the top with a line starting {REASON!r}"


def test_the_list_of_modules_waiting_to_be_split_only_shrinks():
    # A module that is split (or gone) leaves the list, so the list never hides a new long one.
    modules = {path.relative_to(ROOT).as_posix(): path for path in _modules()}
    done = sorted(name for name in ALLOWED_LONG if name not in modules or len(_lines(modules[name])) <= MAX_LINES)

    assert done == [], "take these off ALLOWED_LONG"


def test_the_rule_sees_a_long_module_and_its_reason():
    body = [f"x{n} = {n}" for n in range(MAX_LINES)]

    assert not _has_reason(['"""A module."""', *body])
    assert _has_reason(['"""A module."""', "# Long module: one table of 400 rates, read as a whole.", *body])
    assert not _has_reason(['"""A module."""', "# Long module:", *body])  # a reason, not just the words
    assert not _has_reason([*body, "# Long module: too far down to be seen."])
    assert any(path.name == "kit.py" for path in _modules())  # the walk finds the packages' modules
    assert not any("migrations" in path.parts or path.name.startswith("test_") for path in _modules())
