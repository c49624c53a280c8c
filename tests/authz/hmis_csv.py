"""Expected answers for the HMIS CSV pages.

Exports: supervisors and agency leads of the agency; a job's progress,
cancellation and download belong to its requester (others of the agency get
404, as for a missing job). Imports: agency leads (their own agency) and the
system admin.
"""

import datetime

from clients.hmis_csv.models import HmisExport, HmisImport
from tests.authz.base import Expect

EXPORTERS = ("supervisor", "agency_lead", "other_supervisor", "other_agency_lead")


def build_world(world):
    today = datetime.date.today()
    world.hmis_export = HmisExport.objects.create(
        agency=world.personas["supervisor"].agency,
        requested_by=world.personas["supervisor"],
        with_pii=True,
        reason="APR",
        start_date=today,
        end_date=today,
        status=HmisExport.Status.AWAITING_APPROVAL,
    )
    world.hmis_import = HmisImport.objects.create(
        agency=world.personas["agency_lead"].agency,
        requested_by=world.personas["agency_lead"],
        file_sha256="0" * 64,
        status=HmisImport.Status.VALIDATED,
    )


def export_kwargs(world):
    return {"export_id": world.hmis_export.pk}


def import_kwargs(world):
    return {"import_id": world.hmis_import.pk}


REQUESTER_ONLY = {
    "allowed": ("supervisor",),
    "outsiders": ("agency_lead", "other_supervisor", "other_agency_lead"),
    "kwargs": export_kwargs,
}

EXPECTATIONS = {
    "clients:hmis-csv-exports": Expect(allowed=EXPORTERS),
    "clients:hmis-csv-export-approve": Expect(
        allowed=("supervisor", "agency_lead"),  # the requester is refused with a message (302)
        ok=302,
        outsiders=("other_supervisor", "other_agency_lead"),
        method="post",
        kwargs=export_kwargs,
    ),
    "clients:hmis-csv-export-progress": Expect(**REQUESTER_ONLY),
    "clients:hmis-csv-export-cancel": Expect(**REQUESTER_ONLY, ok=302, method="post"),
    "clients:hmis-csv-export-download": Expect(**REQUESTER_ONLY, ok=302, method="post"),
    "clients:hmis-csv-imports": Expect(allowed=("agency_lead", "other_agency_lead", "system_admin")),
    "clients:hmis-csv-import": Expect(
        allowed=("agency_lead", "system_admin"), outsiders=("other_agency_lead",), kwargs=import_kwargs
    ),
    "clients:hmis-csv-import-progress": Expect(
        allowed=("agency_lead", "system_admin"), outsiders=("other_agency_lead",), kwargs=import_kwargs
    ),
    "clients:hmis-csv-import-cancel": Expect(
        allowed=("agency_lead", "system_admin"),
        ok=302,
        outsiders=("other_agency_lead",),
        method="post",
        kwargs=import_kwargs,
    ),
}
