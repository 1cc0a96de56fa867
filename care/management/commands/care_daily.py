"""``python manage.py care_daily [--date YYYY-MM-DD]``: the customer-service job of a business
date by hand (the same as the Celery task ``servicing.care_periodic_reviews``)."""

from datetime import date

from django.core.management.base import BaseCommand

from care.services import care_daily
from microloan.business_date import business_date


class Command(BaseCommand):
    help = (
        "Creates the due periodic credit reviews and post-disbursement checks of a business date and cancels "
        "those of ended loans; running it again for the same date changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            type=date.fromisoformat,
            default=None,
            help="The business date (YYYY-MM-DD); default: the current business date.",
        )

    def handle(self, *args, date: date | None, **options):
        result = care_daily(business_date=date or business_date())
        self.stdout.write(", ".join(f"{key}: {value}" for key, value in result.items()))
