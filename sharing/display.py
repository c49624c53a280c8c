"""How sharing data is shown: plain-language release views, the client
page's release section and the masked view of a shared client (the
counterpart of ``clients.masking``). Reads go through ``sharing.queries``;
nothing here writes or decides who may see what.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from clients.masking import HIDDEN, NONE, MaskedClient, Viewer
from clients.models import Enrollment
from hmis import permissions
from hmis.models import Agency
from sharing.models import CATEGORY_PLAIN, PURPOSE_PLAIN, DataCategory, Purpose, Release
from sharing.queries import releases_on_client_for, revealable_fields

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


# --- The client page section ------------------------------------------------------------


def release_section_for(request, client) -> dict:
    """Context for ``sharing/releases/_client_section.html`` on the client page
    (``client`` as the page got it from ``clients.queries.get_client_for``)."""
    from hmis.privacy import privacy_screen_on

    user = request.user
    if not permissions.has_permission(user, permissions.VIEW_RELEASES):
        return {"visible": False}
    privacy = privacy_screen_on(request)
    views = describe(releases_on_client_for(user, client), user, privacy=privacy)
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


# --- A shared client, as the recipient sees it ---


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
