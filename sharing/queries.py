"""Every read of sharing data, scoped by the reader.

Shares: ``get_share_for(user, id)`` is the only way a recipient reaches a
shared client: 404 unless the user's agency is the recipient, the share is
live and the consent gate allows it right now. ``shared_view_for(user,
client)`` finds the referral for a user whose agency does not own the client
(the client page sends them to ``share_for_client``).

Releases belong to the agency that holds the client's record: its staff
with ``releases.view`` see every release on the clients of their agency they
may see (``clients.queries``), whoever recorded it; a partner that reaches a
client through a referral sees none. ``get_release_for`` and
``get_client_of_record_for`` answer 404 alike for "missing" and "not yours".
"""

from django.http import Http404

from clients import queries as client_queries
from hmis import permissions
from hmis.models import Agency
from sharing import access
from sharing.models import (
    ExternalRequest,
    PartnerContact,
    PressureReport,
    Release,
    Share,
)

# --- Releases ---


def releases_visible_to(user):
    """Every release on the user's agency's own clients that the user may see
    (a confidential client only to named staff), whoever recorded it. A
    referral's grant never counts: partners see no release."""
    if not permissions.has_permission(user, permissions.VIEW_RELEASES) or not user.agency_id:
        return Release.objects.none()
    return Release.objects.filter(
        client__owning_agency_id=user.agency_id,
        client__in=client_queries.clients_listed_for(user).values("pk"),
    )


def releases_on_client_for(user, client) -> list[Release]:
    """``releases_visible_to(user)`` on one client (a row the page loaded with
    ``clients.queries.get_client_for``), with its obtaining agency: the
    releases of a client held by the user's agency and on the user's list.
    Both are answered from the loaded client (a query only for a confidential
    one), and each release gets that client object, rather than joining the
    client again: compiling that join cost more than the page's whole read."""
    if not permissions.has_permission(user, permissions.VIEW_RELEASES) or not user.agency_id:
        return []
    if client.owning_agency_id != user.agency_id or not client_queries.is_listed_for(user, client):
        return []
    releases = list(
        Release.objects.filter(client_id=client.pk).select_related("obtaining_agency").order_by("-requested_at")
    )
    for release in releases:
        release.client = client
    return releases


get_client_of_record_for = client_queries.get_client_of_record_for


def disclosure_releases_for(user, client):
    """The additional releases naming an outside recipient under which the
    user's agency may disclose ``client`` (from ``get_client_of_record_for``):
    active, obtained by the record's agency."""
    return Release.objects.filter(
        client=client,
        obtaining_agency_id=client.owning_agency_id,
        kind=Release.Kind.ADDITIONAL,
        status=Release.Status.ACTIVE,
    ).exclude(outside_recipient_key="")


def get_release_for(user, release_id) -> Release:
    release = (
        releases_visible_to(user)
        .select_related("client", "obtaining_agency", "requested_by", "decided_by", "ended_by")
        .filter(pk=release_id)
        .first()
    )
    if release is None:
        raise Http404
    return release


def partner_agencies_for(user):
    """Agencies a release may name: verified, active partners other than the user's own."""
    agencies = Agency.objects.filter(kind=Agency.Kind.PARTNER, status=Agency.Status.ACTIVE, verified_at__isnull=False)
    return agencies.exclude(pk=user.agency_id).order_by("name")


def pending_releases_for_decision(user):
    """The supervisor's queue: pending releases of their agency, oldest first."""
    if not permissions.has_permission(user, permissions.DECIDE_RELEASES):
        return Release.objects.none()
    return (
        releases_visible_to(user)
        .filter(status=Release.Status.PENDING)
        .select_related("client", "requested_by")
        .order_by("requested_at")
    )


def dashboard_work_for(user) -> dict:
    """What waits for this user on the dashboard: referrals received and not yet
    answered, and (for supervisors) pressure reports not yet reviewed."""
    work = {}
    if permissions.has_permission(user, permissions.RECEIVE_SHARES):
        waiting = shares_received_by(user).filter(status=Share.Status.SENT).order_by("-sent_at")
        work["referrals_waiting"] = list(waiting[:10])
    if permissions.has_permission(user, permissions.REVIEW_PRESSURE):
        work["pressure_waiting"] = list(pressure_reports_for(user).filter(reviewed_at__isnull=True)[:10])
    return work


def dashboard_releases_for(user) -> dict:
    """Context for the supervisor's queue on the dashboard."""
    if not permissions.has_permission(user, permissions.DECIDE_RELEASES):
        return {}
    from sharing.display import describe  # display reads through this module

    pending = pending_releases_for_decision(user)
    return {"pending_releases": describe(pending[:20], user), "pending_release_count": pending.count()}


# --- Shares, external requests, pressure reports ---

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
    the consent gate must still cover recipient, categories and purpose.
    Pages open a share through ``actions.share_to_open``, which also removes
    a grant left behind when the answer is no.
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
        raise Http404
    return share


def get_received_share_for(user, share_id) -> Share:
    """The recipient's own record of a share (status only, no client data), live or not."""
    share = shares_received_by(user).filter(pk=share_id).first()
    if share is None:
        raise Http404
    return share


def shared_view_for(user, client) -> list[Share]:
    """The live, consented shares through which
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


def revealable_fields(share) -> set[str]:
    return {name for c in share.categories for name in CATEGORY_REVEALABLE.get(c, ())}


def status_history(obj):
    """Each move of a share's or an external request's status, oldest first."""
    return obj.status_changes.select_related("changed_by")


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


def live_referral_counts(**filters) -> list[tuple[str, int]]:
    """(recipient agency name, live referrals) for the live shares matching
    ``filters``: what a revocation or a suspension takes away, for its
    confirmation page."""
    from django.db.models import Count

    rows = (
        access.live_shares()
        .filter(**filters)
        .values("to_agency__name")
        .annotate(count=Count("pk"))
        .order_by("to_agency__name")
    )
    return [(row["to_agency__name"], row["count"]) for row in rows]
