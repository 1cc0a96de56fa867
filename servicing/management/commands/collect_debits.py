"""``python manage.py collect_debits [--date YYYY-MM-DD]``: the auto-debit job of a business
date by hand (the same as the Celery task ``servicing.collect_debits``)."""

from datetime import date

from django.core.management.base import BaseCommand

from microloan.business_date import business_date
from servicing.mandates import debits_collect
from servicing.payment_orders import payment_orders_expire


class Command(BaseCommand):
    help = (
        "Debits each instalment due by a business date through its borrower's active mandate (代扣) and expires "
        "unpaid payment orders; running it again for the same date debits nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            type=date.fromisoformat,
            default=None,
            help="The business date (YYYY-MM-DD); default: the current business date.",
        )

    def handle(self, *args, date: date | None, **options):
        result = debits_collect(business_date=date or business_date())
        result["expired_orders"] = payment_orders_expire()
        self.stdout.write(", ".join(f"{key}: {value}" for key, value in result.items()))
