"""Every read of sharing data, scoped by the reader.

Shares: ``get_share_for(user, id)`` is the only way a recipient reaches a
shared client: 404 unless the user's agency is the recipient, the share is
live and the consent gate allows it right now. ``shared_view_for(user,
client)`` is the clients app's hook for a user whose agency does not own the
client.

Releases belong to the agency that holds the client's record: its staff
with ``releases.view`` see every release on the clients of their agency they
may see (``clients.queries``), whoever recorded it; a partner that reaches a
client through a referral sees none. ``get_release_for`` and
``get_client_of_record_for`` answer 404 alike for "missing" and "not yours".
"""

import datetime
from dataclasses import dataclass, field

from django.http import Http404
from django.utils import timezone

from clients import queries as client_queries
from clients.masking import HIDDEN, NONE, MaskedClient, Viewer
from clients.models import Enrollment
from hmis import permissions
from hmis.models import Agency
from sharing import access
from sharing.models import (
    CATEGORY_PLAIN,
    PURPOSE_PLAIN,
    DataCategory,
    ExternalRequest,
    PartnerContact,
    PressureReport,
    Purpose,
    Release,
    Share,
    StatusChange,
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


# --- Plain-language descriptions --------------------------------------------------------


def last_valid_day(release) -> datetime.date:
    """``expires_at`` is the first moment it no longer holds: the day before, in local time."""
    return (timezone.localtime(release.expires_at) - datetime.timedelta(microseconds=1)).date()


@dataclass
class ReleaseView:
    """A release as pages show it: ready words and booleans, no decisions left to the template."""

    release: Release
    recipients: list[str]
    categories: list[str]
    purposes: list[str]
    effective: datetime.date
    through: datetime.date
    scope: str = ""
    # Recorded by an agency that does not hold the record (before that was
    # refused): it covers nothing, and the record's agency may revoke it.
    recorded_elsewhere: bool = False
    can_decide: bool = False
    can_revoke: bool = False
    own_request: bool = False
    decides_releases: bool = False
    status_label: str = ""

    @property
    def id(self):
        return self.release.pk


def _agency_names(releases) -> dict:
    ids = {agency_id for r in releases for agency_id in r.recipient_agency_ids}
    return dict(Agency.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


def recipient_words(release, names, *, privacy=False) -> list[str]:
    words = []
    if release.all_partners:
        words.append("every verified HMIS partner agency")
    words += sorted(names.get(agency_id, "an agency no longer listed") for agency_id in release.recipient_agency_ids)
    if release.outside_recipient_name:
        words.append("a recipient outside HMIS" if privacy else f"{release.outside_recipient_name} (outside HMIS)")
    return words


def join_words(words) -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def describe(releases, user=None, *, privacy=False) -> list[ReleaseView]:
    """Plain-language views of ``releases`` (one query for recipient names)."""
    releases = list(releases)
    names = _agency_names(releases)
    now = timezone.now()
    views = []
    for release in releases:
        recipients = recipient_words(release, names, privacy=privacy)
        categories = [DataCategory(c).label for c in release.categories]
        purposes = [Purpose(p).label for p in release.purposes]
        effective = timezone.localtime(release.effective_at).date()
        through = last_valid_day(release)
        view = ReleaseView(
            release=release,
            recipients=recipients,
            categories=categories,
            purposes=purposes,
            effective=effective,
            through=through,
            scope=(
                f"Shares {join_words(categories)} with {join_words(recipients)} "
                f"for {join_words(purposes)}, from {effective:%Y-%m-%d} through {through:%Y-%m-%d}."
            ),
        )
        view.recorded_elsewhere = release.obtaining_agency_id != release.client.owning_agency_id
        view.status_label = release.get_status_display()
        if release.status == Release.Status.ACTIVE and release.expires_at <= now:
            view.status_label = "Expired"
        elif release.status == Release.Status.ACTIVE and release.effective_at > now:
            view.status_label = f"Approved, in force from {effective:%Y-%m-%d}"
        if user is not None:
            view.own_request = release.requested_by_id == user.pk
            view.decides_releases = permissions.has_permission(user, permissions.DECIDE_RELEASES)
            view.can_decide = (
                release.status == Release.Status.PENDING
                and view.decides_releases
                and not view.own_request
                and not view.recorded_elsewhere
            )
            view.can_revoke = (
                release.status == Release.Status.ACTIVE
                and release.expires_at > now
                and permissions.has_permission(user, permissions.REVOKE_RELEASES)
            )
        views.append(view)
    return views


def client_summary(*, categories, purposes, recipients, effective, through, obtaining_agency_name):
    """What the client agrees to, in words they can read back (form preview and print page)."""
    return {
        "agency": obtaining_agency_name,
        "categories": [CATEGORY_PLAIN[DataCategory(c)] for c in categories],
        "purposes": [PURPOSE_PLAIN[Purpose(p)] for p in purposes],
        "recipients": recipients,
        "effective": effective,
        "through": through,
    }


# --- Page helpers: the client page section and the dashboard queue ------------------------


def release_section_for(request, client) -> dict:
    """Context for ``sharing/releases/_client_section.html`` on the client page
    (``client`` comes from ``clients.queries.get_client_for``)."""
    from hmis.privacy import privacy_screen_on

    user = request.user
    if not permissions.has_permission(user, permissions.VIEW_RELEASES):
        return {"visible": False}
    privacy = privacy_screen_on(request)
    releases = (
        releases_visible_to(user)
        .filter(client_id=client.pk)
        .select_related("client", "obtaining_agency")
        .order_by("-requested_at")
    )
    views = describe(releases, user, privacy=privacy)
    now = timezone.now()
    S = Release.Status
    return {
        "visible": True,
        "client_id": client.pk,
        "can_record": permissions.has_permission(user, permissions.RECORD_RELEASES),
        "active": [v for v in views if v.release.status == S.ACTIVE and v.release.expires_at > now],
        "pending": [v for v in views if v.release.status == S.PENDING],
        "ended": [
            v
            for v in views
            if v.release.status in Release.CLOSED or (v.release.status == S.ACTIVE and v.release.expires_at <= now)
        ],
    }


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
