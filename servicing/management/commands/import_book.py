"""``manage.py import_book FILE --dry-run|--apply --business-date YYYY-MM-DD --user NAME
[--checked-by NAME]``: the book import of ``servicing.book_import`` from the command line. A
dry run prints every problem (file, row, field, reason) and exits 1 when there is one; an
apply checks the file as ``--checked-by`` (the uploader) and applies it as ``--user`` — two
people, as on the page."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from microloan.errors import DomainError
from microloan.models import User
from servicing.book_import import book_apply, book_check


class Command(BaseCommand):
    help = "Checks (dry run) or applies a book import (CSV) of borrowers, loans, schedules and repayments."

    def add_arguments(self, parser):
        parser.add_argument("file")
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--dry-run", action="store_true")
        mode.add_argument("--apply", action="store_true")
        parser.add_argument("--business-date", required=True, type=date.fromisoformat)
        parser.add_argument("--user", required=True, help="who checks (dry run) or applies")
        parser.add_argument("--checked-by", help="with --apply: the administrator who uploaded and checked it")

    def handle(self, *args, **o):
        path = Path(o["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        user = self._user(o["user"])
        checker = self._user(o["checked_by"]) if o["apply"] else user
        if o["apply"] and not o["checked_by"]:
            raise CommandError("--apply needs --checked-by: another administrator checks the file first.")
        try:
            imp = book_check(
                actor=checker, file_name=path.name, content=path.read_bytes(), business_date=o["business_date"]
            )
            for p in imp.problems:
                self.stdout.write(f"{p['file']}:{p['row']}: {p['field']}: {p['reason']}")
            if imp.problems:
                raise CommandError(f"{len(imp.problems)} problem(s); nothing was written (import {imp.pk}).")
            if o["dry_run"]:
                self.stdout.write(
                    f"No problem: {imp.counts['borrowers']} borrowers, {imp.counts['loans']} loans (import {imp.pk})."
                )
                return
            imp = book_apply(actor=user, book_import=imp)
        except DomainError as exc:
            raise CommandError(str(getattr(exc, "errors", exc))) from exc
        self.stdout.write(
            f"Applied import {imp.pk}: {imp.counts['borrowers_made']} borrowers, {imp.counts['loans_made']} loans, "
            f"opening balances {imp.counts['opening_total']}."
        )

    @staticmethod
    def _user(name):
        user = User.objects.filter(username=name).first()
        if user is None:
            raise CommandError(f"No such user: {name}")
        return user
