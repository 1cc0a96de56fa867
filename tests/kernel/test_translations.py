"""Every string the project marks for translation has its Chinese in the catalog, and the
compiled catalog the app loads is the one built from it.

The strings are extracted the way ``makemessages`` does (templates through Django's
``templatize``, then xgettext with Django's keywords) from every app and template, so a new
screen or message without its translation fails here, not in front of a user.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CATALOG = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"
APPS = ("microloan", "applications", "underwriting", "servicing", "care", "collection", "reporting")

pytestmark = pytest.mark.skipif(
    not shutil.which("msgfmt") or not shutil.which("xgettext"), reason="gettext tools (scripts/test.sh installs them)"
)


def _catalog(path: Path) -> dict[str, str]:
    """msgid → msgstr of a PO file. A plural entry gives its first form (the only one Chinese
    has); an entry with a context is keyed "context|msgid"."""
    text = path.read_text(encoding="utf-8")
    string = r'(?:"(?:[^"\\]|\\.)*"\n)+'
    entry = rf"^(?:msgctxt ({string}))?msgid ({string})(?:msgid_plural {string})?msgstr(?:\[0\])? ({string})"
    entries = re.findall(entry, text, re.M)

    def joined(block: str) -> str:
        return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block))

    return {(f"{joined(c)}|" if c else "") + joined(k): joined(v) for c, k, v in entries}


def _marked_strings(tmp_path: Path) -> set[str]:
    from django.utils.translation.template import templatize

    sources = [str(p) for app in APPS for p in sorted((ROOT / app).rglob("*.py")) if "migrations" not in p.parts]
    for template in sorted((ROOT / "templates").rglob("*.html")):
        target = tmp_path / (template.relative_to(ROOT).as_posix().replace("/", "__") + ".py")
        target.write_text(templatize(template.read_text(encoding="utf-8"), origin=str(template)), encoding="utf-8")
        sources.append(str(target))
    pot = tmp_path / "project.pot"
    subprocess.run(
        [
            "xgettext",
            "--language=Python",
            "--from-code=UTF-8",
            "--keyword=gettext_noop",
            "--keyword=gettext_lazy",
            "--keyword=ngettext_lazy:1,2",
            "--keyword=pgettext:1c,2",
            "--keyword=pgettext_lazy:1c,2",
            "--keyword=npgettext:1c,2,3",
            "--keyword=npgettext_lazy:1c,2,3",
            "-o",
            str(pot),
            *sources,
        ],
        check=True,
    )
    return set(_catalog(pot)) - {""}


def test_every_marked_string_has_its_chinese(tmp_path):
    wanted = _marked_strings(tmp_path)
    translated = {k for k, v in _catalog(CATALOG / "django.po").items() if v}

    assert len(wanted) > 500
    assert sorted(wanted - translated) == []


def test_no_translation_is_fuzzy_and_the_compiled_catalog_is_current(tmp_path):
    po = (CATALOG / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in po.split('msgstr ""', 1)[1]  # the header may say fuzzy; no entry may

    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(CATALOG / "django.po")], check=True)
    assert fresh.read_bytes() == (CATALOG / "django.mo").read_bytes(), "run msgfmt (compilemessages)"


def test_translation_functions_are_imported_under_names_the_extraction_knows():
    # xgettext (and makemessages) find _(), gettext(), gettext_lazy() ...; a string marked
    # through another alias (``gettext_lazy as _l``) is never extracted and stays English.
    aliased = re.compile(r"import\s.*\b(?:gettext|gettext_lazy|ngettext|pgettext)\s+as\s+(?!_\b)\w+")
    offenders = [
        f"{p.relative_to(ROOT)}:{n}"
        for app in APPS
        for p in sorted((ROOT / app).rglob("*.py"))
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if aliased.search(line)
    ]
    assert offenders == []
