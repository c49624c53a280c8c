"""Create the lead organisation and the first system administrator of a new installation."""

import getpass
import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from hmis import actions


class Command(BaseCommand):
    help = "Create the HMIS lead organisation and its first system administrator (asks for a password)."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--lead-slug", default="hmis-lead")

    def handle(self, *args, username, email, lead_slug, **options):
        password = os.environ.get("HMIS_BOOTSTRAP_PASSWORD") or getpass.getpass("Password (12+ characters): ")
        try:
            _, user = actions.bootstrap_system_admin(
                lead_name=settings.HMIS_LEAD_NAME,
                lead_slug=lead_slug,
                username=username,
                email=email,
                password=password,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"System administrator {user.username} is ready. Sign in and set up an authenticator app.")
