"""Prints the current authenticator code of a demo login (the demo's trainers have no phone
to hand). Refuses to run when DEBUG is off, like seed_demo."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from microloan import twofactor
from microloan.models import User


class Command(BaseCommand):
    help = "Prints the current TOTP code of a demo user (DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--force", action="store_true", help="Run even when DEBUG is off.")

    def handle(self, *args, username: str, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG is off: this looks like production. Use --force to print anyway.")
        user = User.objects.filter(username=username).first()
        device = twofactor.confirmed_device(user) if user else None
        if device is None:
            raise CommandError(f"{username} has no confirmed authenticator.")
        self.stdout.write(twofactor.current_code(device))
