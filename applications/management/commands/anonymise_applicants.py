"""``python manage.py anonymise_applicants [--date YYYY-MM-DD]``: the anonymisation of a
business date by hand (the same as the Celery task ``applications.anonymise_applicants``)."""

from datetime import date

from django.core.management.base import BaseCommand

from applications.services import applicants_anonymise
from microloan.business_date import business_date


class Command(BaseCommand):
    help = (
        "Anonymises the borrowers whose every application was rejected or withdrawn longer ago than "
        "PRIVACY['RETENTION_DAYS'] and who never had a loan; running it again for the same date changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            type=date.fromisoformat,
            default=None,
            help="The business date (YYYY-MM-DD); default: the current business date.",
        )

    def handle(self, *args, date: date | None, **options):
        result = applicants_anonymise(business_date=date or business_date())
        self.stdout.write(", ".join(f"{key}: {value}" for key, value in result.items()))
