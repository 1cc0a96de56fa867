"""Prints the permission table (microloan/permissions.py) as a Markdown matrix: an action a
row, a role a column. README.md holds this output between its permissions markers
(``manage.py permission_table --readme`` rewrites it there)."""

from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import translation

from microloan.models import STAFF_ROLES, Role
from microloan.permissions import TABLE

START, END = "<!-- permissions:start -->", "<!-- permissions:end -->"
README = Path(__file__).resolve().parents[3] / "README.md"


def matrix() -> str:
    roles = [r for r in Role if r in STAFF_ROLES] + [Role.BORROWER]
    with translation.override("en"):
        head = "| action | " + " | ".join(str(r.label) for r in roles) + " |"
        rows = [head, "|---|" + "---|" * len(roles)]
        for action, perm in TABLE.items():
            marks = " | ".join("✓" if r in perm.roles else "" for r in roles)
            note = " (no login needed)" if perm.anonymous else ""
            rows.append(f"| `{action}` {perm.label}{note} | {marks} |")
    return "\n".join(rows) + "\n"


def readme_with_matrix(text: str) -> str:
    before, rest = text.split(START, 1)
    _old, after = rest.split(END, 1)
    return f"{before}{START}\n{matrix()}{END}{after}"


class Command(BaseCommand):
    help = "Print the permission table (role × action) as Markdown; --readme rewrites README.md's copy."

    def add_arguments(self, parser):
        parser.add_argument("--readme", action="store_true", help="rewrite the matrix in README.md")

    def handle(self, *args, readme=False, **options):
        if readme:
            README.write_text(readme_with_matrix(README.read_text(encoding="utf-8")), encoding="utf-8")
            self.stdout.write(f"README.md: {len(TABLE)} actions")
        else:
            self.stdout.write(matrix(), ending="")
