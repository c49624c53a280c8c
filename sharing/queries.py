"""Every read of sharing data, scoped by the reader.

Releases: a user sees the releases their own agency obtained, for clients
they may see (``clients.queries``), and only with ``releases.view``.
``get_release_for`` answers 404 alike for "missing" and "not yours".
"""

import datetime
from dataclasses import dataclass

from django.http import Http404
from django.utils import timezone

from clients import queries as client_queries
from hmis import permissions
from hmis.models import Agency
from sharing.models import CATEGORY_PLAIN, PURPOSE_PLAIN, DataCategory, Purpose, Release

# --- Releases ---


def releases_visible_to(user):
    if not permissions.has_permission(user, permissions.VIEW_RELEASES) or not user.agency_id:
        return Release.objects.none()
    return Release.objects.filter(
        obtaining_agency_id=user.agency_id,
        client__in=client_queries.clients_visible_to(user).values("pk"),
    )


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
    can_decide: bool = False
    can_revoke: bool = False
    own_request: bool = False
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
        view.status_label = release.get_status_display()
        if release.status == Release.Status.ACTIVE and release.expires_at <= now:
            view.status_label = "Expired"
        elif release.status == Release.Status.ACTIVE and release.effective_at > now:
            view.status_label = f"Approved, in force from {effective:%Y-%m-%d}"
        if user is not None:
            view.own_request = release.requested_by_id == user.pk
            view.can_decide = (
                release.status == Release.Status.PENDING
                and permissions.has_permission(user, permissions.DECIDE_RELEASES)
                and not view.own_request
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
    releases = releases_visible_to(user).filter(client_id=client.pk).order_by("-requested_at")
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


def dashboard_releases_for(user) -> dict:
    """Context for the supervisor's queue on the dashboard."""
    if not permissions.has_permission(user, permissions.DECIDE_RELEASES):
        return {}
    pending = pending_releases_for_decision(user)
    return {"pending_releases": describe(pending[:20], user), "pending_release_count": pending.count()}
