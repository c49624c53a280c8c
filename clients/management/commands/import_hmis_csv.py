"""manage.py import_hmis_csv: bring an HMIS CSV zip into an agency."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from clients.hmis_csv import actions
from hmis.models import Agency, User


class Command(BaseCommand):
    help = (
        "Check an HMIS CSV zip (FY2026) and import it into an agency. Every file and row is checked first; "
        "nothing is written unless the file is clean (or --valid-rows-only), and the import is all-or-nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the HMIS CSV zip")
        parser.add_argument("--agency", required=True, help="the agency's slug")
        parser.add_argument("--user", required=True, help="the system admin or agency lead importing")
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        parser.add_argument("--valid-rows-only", action="store_true", help="import the rows without problems")

    def handle(self, *args, file, agency, user, dry_run, valid_rows_only, **options):
        agency_obj = Agency.objects.filter(slug=agency).first()
        if agency_obj is None:
            raise CommandError(f"No agency with the slug {agency!r}.")
        acting_user = User.objects.filter(username=user, is_active=True).first()
        if acting_user is None:
            raise CommandError(f"No active user {user!r}.")
        try:
            with open(file, "rb") as source:
                hmis_import, checked = actions.run_import(
                    acting_user=acting_user,
                    agency=agency_obj,
                    source=source,
                    dry_run=dry_run,
                    valid_rows_only=valid_rows_only,
                )
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except PermissionDenied:
            raise CommandError("That user may not import into this agency.") from None
        for line in checked.report.lines():
            self.stdout.write(line)
        if hmis_import is None:
            if checked.clean:
                self.stdout.write(f"Dry run: the file is clean ({checked.valid_rows} records). Nothing was written.")
                return
            message = f"{checked.report.count} problems found. Nothing was written."
            if not dry_run:
                message += " Fix the file, or import the valid rows only with --valid-rows-only."
            raise CommandError(message)
        self.stdout.write(
            f"Import {hmis_import.pk.hex}: {hmis_import.clients_created} clients created, "
            f"{hmis_import.clients_linked} linked to existing records, {hmis_import.possible_duplicates} "
            f"sent to duplicate review, {hmis_import.records_skipped} records skipped (already imported or deleted)."
        )
