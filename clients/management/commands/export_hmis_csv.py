"""manage.py export_hmis_csv: one agency's records as a HUD HMIS CSV zip."""

import datetime
import os

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from clients.hmis_csv import actions
from hmis.models import Agency, User


def _date(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date written yyyy-mm-dd.") from None


class Command(BaseCommand):
    help = (
        "Export an agency's own projects, clients and enrollments active in a period as HUD HMIS CSV "
        "(FY2026). De-identified unless --with-pii (a supervisor's request, a reason and a second person's "
        "approval)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True, help="the agency's slug")
        parser.add_argument("--start", required=True, type=_date, help="first day, yyyy-mm-dd")
        parser.add_argument("--end", required=True, type=_date, help="last day, yyyy-mm-dd")
        parser.add_argument("--out", required=True, help="the zip file to write")
        parser.add_argument("--with-pii", action="store_true", help="names, SSN and full birth dates")
        parser.add_argument("--reason", default="", help="why PII is needed (required with --with-pii)")
        parser.add_argument("--requested-by", default="", help="the supervisor asking (required with --with-pii)")
        parser.add_argument("--approved-by", default="", help="the second supervisor or the agency lead")

    def _user(self, username, agency, option):
        user = User.objects.filter(username=username, agency=agency, is_active=True).first()
        if user is None:
            raise CommandError(f"{option}: no active user {username!r} in this agency.")
        return user

    def handle(self, *args, agency, start, end, out, with_pii, reason, requested_by, approved_by, **options):
        agency_obj = Agency.objects.filter(slug=agency).first()
        if agency_obj is None:
            raise CommandError(f"No agency with the slug {agency!r}.")
        requester = self._user(requested_by, agency_obj, "--requested-by") if requested_by else None
        if with_pii and (requester is None or not approved_by):
            raise CommandError("An export with PII needs --requested-by (a supervisor), --reason and --approved-by.")
        try:
            export = actions.request_export(
                acting_user=requester,
                agency=agency_obj,
                start_date=start,
                end_date=end,
                with_pii=with_pii,
                reason=reason,
            )
            if with_pii:
                approver = self._user(approved_by, agency_obj, "--approved-by")
                export = actions.approve_export(acting_user=approver, export=export)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except PermissionDenied:
            raise CommandError("That user may not export (or approve) HMIS CSV for this agency.") from None
        if with_pii:
            # The watermark (export id, who, when) goes into the file name too.
            folder = os.path.dirname(out)
            out = os.path.join(folder, export.pk.hex[:8] + ".part.zip")
        with open(out, "wb") as handle:
            export = actions.run_export(export=export, out=handle)
        if with_pii:
            final = os.path.join(os.path.dirname(out), export.file_name)
            os.replace(out, final)
            out = final
        self.stdout.write(f"Export {export.pk.hex}: {export.client_count} clients written to {out}")
