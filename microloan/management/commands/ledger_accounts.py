"""Creates or updates the ledger's chart of accounts. Idempotent: a second run changes nothing."""

from django.core.management.base import BaseCommand

from microloan.ledger import CHART, ensure_chart


class Command(BaseCommand):
    help = "Creates the ledger accounts of the chart that are missing and updates their names."

    def handle(self, *args, **options):
        result = ensure_chart()
        self.stdout.write(
            f"Chart of accounts: {len(CHART)} accounts, {len(result['created'])} created, "
            f"{len(result['updated'])} updated."
        )
