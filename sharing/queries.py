"""Reads of the sharing app, scoped by the reader.

# --- Shares, external requests, pressure reports ---

``get_share_for(user, id)`` is the only way a recipient reaches a shared
client: 404 unless the user's agency is the recipient, the share is live and
the consent gate allows it right now. ``shared_view_for(user, client)`` is
the clients app's hook for a user whose agency does not own the client.
"""

from dataclasses import dataclass, field

from django.http import Http404

from clients.masking import HIDDEN, NONE, MaskedClient, Viewer
from clients.models import Enrollment
from hmis import permissions
from hmis.models import Agency
from sharing import access
from sharing.models import ExternalRequest, PartnerContact, PressureReport, Share, StatusChange

# Which client fields each data category shows (the share page, the reveal form).
CATEGORY_REVEALABLE = {
    "identity": ("ssn", "dob"),
    "contact": ("phone", "email", "last_permanent_address"),
}


# Partner directory ----------------------------------------------------------------


def partners():
    return (
        Agency.objects.filter(kind=Agency.Kind.PARTNER)
        .select_related("verified_by")
        .prefetch_related("partner_contacts__verified_by")
        .order_by("name")
    )


def get_partner(agency_id) -> Agency:
    agency = partners().filter(pk=agency_id).first()
    if agency is None:
        raise Http404
    return agency


def get_partner_contact(contact_id) -> PartnerContact:
    contact = PartnerContact.objects.select_related("agency").filter(pk=contact_id).first()
    if contact is None:
        raise Http404
    return contact


def eligible_recipients(user):
    """Partners a share may go to: verified, active, not the user's own agency."""
    return (
        Agency.objects.filter(kind=Agency.Kind.PARTNER, verified_at__isnull=False, status=Agency.Status.ACTIVE)
        .exclude(pk=user.agency_id)
        .order_by("name")
    )


# Shares ---------------------------------------------------------------------------


def shares_received_by(user):
    if not permissions.has_permission(user, permissions.RECEIVE_SHARES) or not user.agency_id:
        return Share.objects.none()
    return Share.objects.filter(to_agency_id=user.agency_id).select_related("from_agency", "to_agency")


def shares_sent_by(user):
    if not permissions.has_permission(user, permissions.SEND_SHARES) or not user.agency_id:
        return Share.objects.none()
    return Share.objects.filter(from_agency_id=user.agency_id).select_related(
        "from_agency", "to_agency", "client", "sent_by"
    )


def get_sent_share_for(user, share_id) -> Share:
    share = shares_sent_by(user).filter(pk=share_id).first()
    if share is None:
        raise Http404
    return share


def get_share_for(user, share_id) -> Share:
    """The share ``user`` may open now, or 404.

    The user's agency must be the recipient, the share live (sent or
    accepted, before its end date, the partner still verified and active) and
    the consent gate must still cover recipient, categories and purpose. When
    the answer is no, any grant left behind is removed on the spot.
    """
    share = (
        shares_received_by(user)
        .select_related("client__owning_agency", "to_agency__group", "release")
        .filter(pk=share_id)
        .first()
    )
    if share is None:
        raise Http404
    if not access.share_gives_access(share):
        access.sync_grant(client=share.client, agency=share.to_agency)
        raise Http404
    return share


def get_received_share_for(user, share_id) -> Share:
    """The recipient's own record of a share (status only, no client data), live or not."""
    share = shares_received_by(user).filter(pk=share_id).first()
    if share is None:
        raise Http404
    return share


def shared_view_for(user, client) -> list[Share]:
    """The clients app's hook: the live, consented shares through which
    ``user`` (of an agency that does not own ``client``) may see ``client``."""
    if not user.agency_id or client.owning_agency_id == user.agency_id:
        return []
    if not permissions.has_permission(user, permissions.RECEIVE_SHARES):
        return []
    shares = (
        access.live_shares()
        .filter(client=client, to_agency_id=user.agency_id)
        .select_related("client", "to_agency", "release")
    )
    return [share for share in shares if access.consent_for(share).allowed]


def status_history(obj):
    return StatusChange.objects.filter(subject_type=obj._meta.label_lower, subject_id=obj.pk).select_related("by")


@dataclass
class SharedSection:
    category: str
    label: str
    rows: list = field(default_factory=list)  # (label, value, css id, masked?)
    items: list = field(default_factory=list)  # housing history: one dict per enrollment


@dataclass
class SharedClientView:
    reference: str
    name: str
    sections: list
    revealable: list
    revealed: str
    privacy: bool


def revealable_fields(share) -> set[str]:
    return {name for c in share.categories for name in CATEGORY_REVEALABLE.get(c, ())}


def shared_client_view(share, viewer: Viewer, *, revealed="") -> SharedClientView:
    """Only the shared categories of the client, masked like any client page."""
    from sharing.models import DataCategory

    client = share.client
    allowed = revealable_fields(share)
    revealed = revealed if revealed in allowed else ""
    masked = MaskedClient.of(client, viewer, revealed=revealed)
    labels = dict(DataCategory.choices)
    categories = set(share.categories)
    sections = []
    identity_shown = "identity" in categories
    name = masked.name if identity_shown else "Not shared"
    if viewer.privacy:
        return SharedClientView(client.reference, name, [], [], "", True)

    def cls(field_name):
        return "revealed" if revealed == field_name else "masked"

    if "identity" in categories:
        sections.append(
            SharedSection(
                "identity",
                labels["identity"],
                [
                    ("Name", masked.name, "shared-name", ""),
                    ("Date of birth", masked.dob, "shared-dob", cls("dob")),
                    ("SSN", masked.ssn, "shared-ssn", cls("ssn")),
                ],
            )
        )
    if "contact" in categories:
        sections.append(
            SharedSection(
                "contact",
                labels["contact"],
                [
                    ("Phone", masked.phone, "shared-phone", cls("phone")),
                    ("E-mail", masked.email, "shared-email", cls("email")),
                    (
                        "Last permanent address",
                        masked.last_permanent_address,
                        "shared-address",
                        cls("last_permanent_address"),
                    ),
                ],
            )
        )
    if "demographics" in categories:
        sections.append(
            SharedSection(
                "demographics",
                labels["demographics"],
                [(label, value, "", "") for label, value in masked.demographics],
            )
        )
    needs_enrollments = categories & {"housing_history", "assessments", "health_disability", "income_benefits"}
    enrollments = (
        list(Enrollment.objects.filter(client=client).select_related("project").prefetch_related("assessments"))
        if needs_enrollments
        else []
    )
    if "housing_history" in categories:
        section = SharedSection("housing_history", labels["housing_history"])
        for e in enrollments:
            section.items.append(
                {
                    "project": e.project.name,
                    "type": e.project.get_project_type_display(),
                    "entry": e.entry_date,
                    "exit": e.exit_date,
                    "destination": e.get_destination_display() if e.destination is not None else "",
                }
            )
        sections.append(section)
    assessments = [a for e in enrollments for a in e.assessments.all()]
    per_category = {
        "assessments": ("prior_living_situation", "length_of_stay"),
        "health_disability": ("disabling_condition", "health_insurance"),
        "income_benefits": ("income_from_any_source", "monthly_income", "non_cash_benefits"),
    }
    for category, names in per_category.items():
        if category not in categories:
            continue
        section = SharedSection(category, labels[category])
        for a in assessments:
            for name in names:
                section.rows.append(
                    (
                        f"{a.assessment_date:%Y-%m-%d} · {_field_label(a, name)}",
                        _assessment_value(a, name, viewer),
                        "",
                        "",
                    )
                )
        sections.append(section)
    revealable = [(n, label) for n, label in masked.revealable if n in allowed]
    return SharedClientView(client.reference, name, sections, revealable, revealed, False)


def _field_label(assessment, name):
    return assessment._meta.get_field(name).verbose_name.capitalize()


def _assessment_value(assessment, name, viewer):
    if not viewer.names:
        return HIDDEN
    value = getattr(assessment, name)
    if value is None or value == "":
        return NONE
    if assessment._meta.get_field(name).choices:
        return getattr(assessment, f"get_{name}_display")()
    if name == "monthly_income":
        return f"${value:,}"
    return value


# External requests ------------------------------------------------------------------


def external_requests_for(user):
    """The system admin sees every request; anyone else the ones they recorded."""
    requests = ExternalRequest.objects.select_related("agency", "received_by", "answered_by")
    if permissions.has_permission(user, permissions.ANSWER_EXTERNAL_REQUESTS):
        return requests
    if permissions.has_permission(user, permissions.RECORD_EXTERNAL_REQUESTS):
        return requests.filter(received_by=user)
    return requests.none()


def get_external_request_for(user, request_id) -> ExternalRequest:
    found = external_requests_for(user).filter(pk=request_id).first()
    if found is None:
        raise Http404
    return found


# Pressure reports -------------------------------------------------------------------


def pressure_reports_for(user):
    """Supervisors see their agency's reports; a reporter sees their own."""
    reports = PressureReport.objects.select_related("reported_by", "reviewed_by", "agency")
    if permissions.has_permission(user, permissions.REVIEW_PRESSURE) and user.agency_id:
        return reports.filter(agency_id=user.agency_id)
    if permissions.has_permission(user, permissions.REPORT_PRESSURE):
        return reports.filter(reported_by=user)
    return reports.none()


def get_pressure_report_for(user, report_id) -> PressureReport:
    found = pressure_reports_for(user).filter(pk=report_id).first()
    if found is None:
        raise Http404
    return found
