"""Every read of client data, scoped by the reader (DESIGN.md section 4).

``clients_visible_to(user)`` is the one place that says who sees which
client; ``get_client_for(user, id)`` answers 404 alike for "missing" and
"not yours". Views have no other way in.

A user sees:

* the clients of their own agency (by role: ``clients.view``), except
  confidential ones;
* any client granted to them by name (guardian user row), confidential or not;
* any client granted to their agency's group (guardian group row, written by
  the sharing app while a referral is live).

Only the direct foreign-key permission tables are read, and no model-wide
``view_client`` is ever consulted: guardian would otherwise return every
agency's clients to anyone holding the model permission.
"""

from dataclasses import dataclass

from django.db.models import Count, Q, Window
from django.db.models.expressions import RawSQL
from django.http import Http404

from clients import matching
from clients.masking import ListRow, MaskedClient, Viewer
from clients.models import (
    Assessment,
    Client,
    ClientGroupObjectPermission,
    ClientUserObjectPermission,
    CorrectionRequest,
    Enrollment,
    PossibleDuplicate,
    Project,
)
from hmis import permissions
from hmis.audit import access_history
from hmis.fernet_batch import Decryptor, stored_token
from hmis.models import AccessEvent, User

VIEW_CODENAME = "view_client"
SEARCH_RESULTS_SHOWN = 10


def clients_visible_to(user):
    if not permissions.has_permission(user, permissions.VIEW_CLIENTS) or not user.agency_id:
        return Client.objects.none()
    visible = _own_or_named(user)
    # A live referral grants the recipient agency's group; only the staff who
    # work referrals (not its security officer or lead) see those clients.
    if permissions.has_permission(user, permissions.RECEIVE_SHARES):
        by_agency = ClientGroupObjectPermission.objects.filter(
            group_id=user.agency.group_id, permission__codename=VIEW_CODENAME
        )
        visible |= Q(pk__in=by_agency.values("content_object_id"))
    # A merged-away record (a tombstone) is never returned: its kept record is.
    return Client.objects.filter(visible, merged_into__isnull=True)


def _own_or_named(user) -> Q:
    return _own(user) | _named(user)


def _own(user) -> Q:
    return Q(owning_agency_id=user.agency_id, confidential=False)


def _named(user) -> Q:
    by_name = ClientUserObjectPermission.objects.filter(user_id=user.pk, permission__codename=VIEW_CODENAME)
    return Q(pk__in=by_name.values("content_object_id"))


def clients_listed_for(user):
    """The clients a user's list and search show: their agency's own and those
    named to them. Clients shared in by a referral are reached only through
    the referral, which shows just the shared categories (and confirms
    nothing about the client to anyone else at the partner)."""
    if not permissions.has_permission(user, permissions.VIEW_CLIENTS) or not user.agency_id:
        return Client.objects.none()
    return Client.objects.filter(_own_or_named(user), merged_into__isnull=True)


def is_listed_for(user, client) -> bool:
    """Whether ``clients_listed_for(user)`` holds ``client`` (a loaded row): the
    common case (own agency, not confidential) without a query, as in
    ``get_client_for``."""
    if not permissions.has_permission(user, permissions.VIEW_CLIENTS) or not user.agency_id:
        return False
    if client.merged_into_id is not None:
        return False
    if client.owning_agency_id == user.agency_id and not client.confidential:
        return True
    return clients_listed_for(user).filter(pk=client.pk).exists()


NEWEST_FIRST = ("-created_at", "-id")  # the id breaks ties, so pages neither repeat nor skip a client


def newest_listed_for(user, *, limit, offset=0):
    """The clients ``clients_listed_for(user)`` shows, newest first: ``limit``
    of them from ``offset``, as a queryset of just those rows.

    The same clients as ordering and slicing ``clients_listed_for``, found by
    indexes: "own agency OR named" would make the planner read and sort every
    client, so each half takes its newest ``offset + limit`` on its own (the
    agency's from ``client_listed_newest_idx`` without visiting the table,
    the named ones from the user's few permission rows) and only their union
    is sorted and cut to the page's ids, whose rows the (one) query returns:
    a caller chooses their columns.
    """
    if not permissions.has_permission(user, permissions.VIEW_CLIENTS) or not user.agency_id:
        return Client.objects.none()
    window = offset + limit
    own, named = (
        Client.objects.filter(part, merged_into__isnull=True)
        .order_by(*NEWEST_FIRST)
        .values_list("id", "created_at")[:window]
        for part in (_own(user), _named(user))
    )
    page, params = own.union(named).order_by(*NEWEST_FIRST)[offset:window].query.sql_with_params()
    # The union carries created_at to be sorted by; an IN takes its ids alone.
    page_ids = RawSQL(f"SELECT page.id FROM ({page}) AS page", params)  # noqa: S608, S611 (the ORM's own SQL)
    return Client.objects.filter(pk__in=page_ids).order_by(*NEWEST_FIRST)


PICKER_RESULTS = 20
PICKER_SCAN = 500  # names are encrypted: initials are matched among the newest clients only


def pick_own_clients(user, text) -> list[Client]:
    """The incident reporter's picker: clients ``user``'s own list shows whose
    reference code starts with ``text``, or (two or three letters) whose
    initials are ``text``; at most ``PICKER_RESULTS``."""
    from clients.masking import initials

    text = (text or "").strip()
    # No reference code or initials holds a control character (PostgreSQL refuses NUL outright).
    if len(text) < 2 or not text.isprintable():
        return []
    listed = clients_listed_for(user).order_by(*NEWEST_FIRST)
    found = list(listed.filter(reference__istartswith=text)[:PICKER_RESULTS])
    letters = text.replace(".", "").replace(" ", "").upper()
    if letters.isalpha() and len(letters) <= 3:
        seen = {c.pk for c in found}
        for client in newest_listed_for(user, limit=PICKER_SCAN):
            if len(found) >= PICKER_RESULTS:
                break
            if client.pk not in seen and initials(client).replace(".", "").replace(" ", "") == letters:
                found.append(client)
    return found


def own_clients_among(user, client_ids) -> list[Client]:
    """Of ``client_ids``, those ``user``'s own list shows (others are dropped silently)."""
    ids = [i for i in client_ids if _is_uuid(i)]
    return list(clients_listed_for(user).filter(pk__in=ids)) if ids else []


def _is_uuid(value) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def get_client_for(user, client_id) -> Client:
    """The client if ``user`` may see it, else 404 (missing and not-yours alike).

    Same rule as ``clients_visible_to``; the common case (own agency, not
    confidential) is answered without the permission subqueries.
    """
    if not permissions.has_permission(user, permissions.VIEW_CLIENTS) or not user.agency_id:
        raise Http404
    client = Client.objects.filter(pk=client_id, merged_into__isnull=True).first()
    if client is None:
        raise Http404
    _share_loaded_agency(user, client)
    if client.owning_agency_id == user.agency_id and not client.confidential:
        return client
    if not clients_visible_to(user).filter(pk=client.pk).exists():
        raise Http404
    return client


def _share_loaded_agency(user, client):
    """Most clients a page opens are of the user's own agency, whose row the
    signed-in user already carries: reuse it rather than join it again."""
    if client.owning_agency_id == user.agency_id and User.agency.is_cached(user):
        client.owning_agency = user.agency


def get_client_of_record_for(user, client_id) -> Client:
    """The client if ``user`` may see it and the user's agency holds its
    record, else 404. Editing, enrolling, revealing, the full history and
    consent belong to the record's agency: a partner that reaches the client
    through a referral (or a grant left behind) learns nothing more here,
    not even that the client exists."""
    client = get_client_for(user, client_id)
    if client.owning_agency_id != user.agency_id:
        raise Http404
    return client


MERGE_CHAIN_LIMIT = 10


def kept_record_for(user, client_id):
    """The id of the record a tombstone (``client_id``) was merged into, if
    ``user`` may see that record; else None. Follows merges of merges."""
    target = Client.objects.filter(pk=client_id).values_list("merged_into_id", flat=True).first()
    for _hop in range(MERGE_CHAIN_LIMIT):
        if target is None:
            return None
        following = Client.objects.filter(pk=target).values_list("merged_into_id", flat=True).first()
        if following is None:
            break
        target = following
    else:
        return None
    return target if clients_visible_to(user).filter(pk=target).exists() else None


def staff_named_on(client) -> list:
    """Colleagues named on a (confidential) client, by guardian user row."""
    from hmis.models import User

    return list(
        User.objects.filter(
            clientuserobjectpermission__content_object=client,
            clientuserobjectpermission__permission__codename=VIEW_CODENAME,
        ).order_by("username")
    )


def users_of_agency(agency_id):
    from hmis.models import User

    return User.objects.filter(agency_id=agency_id, is_active=True)


def colleagues_to_name(user, client) -> list:
    """Active case workers of the client's agency who are not named yet."""
    from hmis.models import User

    named = {u.pk for u in staff_named_on(client)}
    candidates = User.objects.filter(agency_id=client.owning_agency_id, is_active=True).prefetch_related("groups")
    return [u for u in candidates if u.pk not in named and permissions.has_permission(u, permissions.SEE_CLIENT_NAMES)]


def can_edit(user, client) -> bool:
    """The owning agency's case workers edit; a shared-in agency only reads.
    A record de-identified under the retention policy is kept for reporting only."""
    return (
        permissions.has_permission(user, permissions.EDIT_CLIENTS)
        and client.owning_agency_id == user.agency_id
        and client.retained_deidentified_at is None
    )


def can_reveal(user, client) -> bool:
    return permissions.has_permission(user, permissions.REVEAL_CLIENT_PII) and not client.is_anonymous


def can_print_copy(user, client) -> bool:
    """Staff of the agency that holds the record, who may see its fields, print
    the client's own copy; a partner holding a referral never does."""
    return (
        permissions.has_permission(user, permissions.REVEAL_CLIENT_PII)
        and bool(user.agency_id)
        and client.owning_agency_id == user.agency_id
    )


def viewer_for(request) -> Viewer:
    from hmis.privacy import privacy_screen_on

    user = request.user
    return Viewer(
        names=permissions.has_permission(user, permissions.SEE_CLIENT_NAMES),
        privacy=privacy_screen_on(request),
    )


def masked_clients_for(user, viewer: Viewer, *, page_size=50, offset=0):
    """A page of ``newest_listed_for(user)``, masked for the list. Only the
    encrypted parts the viewer is shown are read, and they are decrypted by
    one batch ``Decryptor``: per-field decryption of a page of 50 was most of
    the list's time."""
    shown = ["first_name", "last_name"]  # initials at least
    if viewer.names and not viewer.privacy:
        shown += ["middle_name", "name_suffix"]
    if not viewer.privacy:
        shown += ["dob", "birth_year"]
    rows = newest_listed_for(user, limit=page_size, offset=offset).values(
        "pk", "reference", "owning_agency__name", "is_anonymous", "confidential",
        **{f"{name}_token": stored_token(name) for name in shown},
    )  # fmt: skip
    decrypt = Decryptor()
    return [MaskedClient.for_list(_list_row(row, shown, decrypt), viewer) for row in rows]


def _list_row(row, shown, decrypt) -> ListRow:
    plain = {name: decrypt(row[f"{name}_token"]) for name in shown}
    dob, birth_year = plain.pop("dob", None), plain.pop("birth_year", None)
    return ListRow(
        pk=row["pk"],
        reference=row["reference"],
        agency_name=row["owning_agency__name"],
        is_anonymous=row["is_anonymous"],
        confidential=row["confidential"],
        year_of_birth=int(dob[:4]) if dob else int(birth_year) if birth_year else None,
        **plain,
    )


def enrollments_of(user, client):
    """``client`` must come from ``get_client_for(user, ...)``."""
    return Enrollment.objects.filter(client=client).select_related("project").prefetch_related("assessments")


def get_enrollment_for(user, client, enrollment_id) -> Enrollment:
    enrollment = Enrollment.objects.filter(client=client, pk=enrollment_id).select_related("project").first()
    if enrollment is None:
        raise Http404
    return enrollment


# An event's own columns; of who acted, the username and agency name the table shows.
EVENT_COLUMNS = [f.name for f in AccessEvent._meta.concrete_fields]


def history_of(user, client, *, limit=10, offset=0):
    """``client`` must come from ``get_client_for(user, ...)``.

    Who reads releases (case workers, supervisors) sees each event's reason
    text and the categories disclosed. Security officers and agency leads see
    who did what and when, without release metadata or disclosure recipients
    (DESIGN.md section 1: no client data by default)."""
    history = access_history(client).only(*EVENT_COLUMNS, "actor__username", "actor_agency__name")
    if permissions.has_permission(user, permissions.VIEW_RELEASES):
        return history[offset : offset + limit]
    events = list(history.defer("reason_text")[offset : offset + limit])
    for event in events:
        event.reason_text = None
        if event.action in (AccessEvent.Action.DISCLOSURE, AccessEvent.Action.EVIDENCE_VIEW):
            event.fields = []
    return events


def projects_of(user, *, active_only=True):
    if not user.agency_id:
        return Project.objects.none()
    projects = Project.objects.filter(agency_id=user.agency_id)
    return projects.filter(is_active=True) if active_only else projects


def is_system_admin(user) -> bool:
    """Merges across agencies and their undo belong to the system admin alone."""
    return permissions.has_permission(user, permissions.UNDO_MERGES)


def possible_duplicates_for(user):
    """The system admin reviews every pair (across agencies, only they can
    merge); a supervisor the pairs whose two records are both of their agency."""
    if not permissions.has_permission(user, permissions.REVIEW_DUPLICATES):
        return PossibleDuplicate.objects.none()
    pairs = PossibleDuplicate.objects.all()
    if not is_system_admin(user):
        if not user.agency_id:
            return PossibleDuplicate.objects.none()
        pairs = pairs.filter(
            new_client__owning_agency_id=user.agency_id, existing_client__owning_agency_id=user.agency_id
        )
    return pairs.select_related(
        "new_client__owning_agency", "existing_client__owning_agency", "found_by", "resolved_by"
    ).only(
        "id",
        "score",
        "status",
        "found_at",
        "resolved_at",
        "new_client__reference",
        "new_client__merged_into_id",
        "new_client__owning_agency__name",
        "existing_client__reference",
        "existing_client__merged_into_id",
        "existing_client__owning_agency__name",
        "found_by__username",
        "resolved_by__username",
    )


def open_duplicates_for(user):
    """Pairs still to review: open, and neither record merged away since."""
    return possible_duplicates_for(user).filter(
        status=PossibleDuplicate.Status.OPEN,
        new_client__merged_into__isnull=True,
        existing_client__merged_into__isnull=True,
    )


def merges_for(user, *, limit=50):
    """Recent merges, for the system admin's undo (ids and reference codes only)."""
    from clients.models import ClientMerge

    if not permissions.has_permission(user, permissions.UNDO_MERGES):
        return ClientMerge.objects.none()
    return (
        ClientMerge.objects.select_related("kept", "merged", "merged_by", "undone_by")
        .defer("kept_before")
        .order_by("-merged_at")[:limit]
    )


def get_merge_for(user, merge_id):
    from clients.models import ClientMerge

    if not permissions.has_permission(user, permissions.UNDO_MERGES):
        raise Http404
    merge = ClientMerge.objects.select_related("kept", "merged").filter(pk=merge_id).first()
    if merge is None:
        raise Http404
    return merge


def merge_counts(kept, merged) -> dict:
    """What a merge of ``merged`` into ``kept`` moves, counted (clients-owned rows)."""
    return {
        "enrollments": Enrollment.objects.filter(client=merged).count(),
        "assessments": Assessment.objects.filter(enrollment__client=merged).count(),
        "access events": AccessEvent.objects.filter(subject_type="clients.client", subject_id=merged.pk).count(),
    }


def get_client_to_merge(user, client_id) -> Client:
    """A record a merge may take: a supervisor's own agency's (as their list
    shows it), any agency's for the system admin; never a tombstone. 404 otherwise."""
    if is_system_admin(user):
        client = Client.objects.select_related("owning_agency").filter(pk=client_id, merged_into__isnull=True).first()
        if client is None:
            raise Http404
        return client
    if not permissions.has_permission(user, permissions.REVIEW_DUPLICATES):
        raise Http404
    return get_client_of_record_for(user, client_id)


def get_possible_duplicate_for(user, duplicate_id) -> PossibleDuplicate:
    found = possible_duplicates_for(user).filter(pk=duplicate_id).first()
    if found is None:
        raise Http404
    return found


# --- Search before create ---------------------------------------------------------------


@dataclass
class SearchMatch:
    client: MaskedClient
    score: float

    @property
    def percent(self) -> int:
        return round(self.score * 100)


def search_clients(user, viewer: Viewer, *, first_name="", last_name="", dob=None, ssn4="") -> list[SearchMatch]:
    """Candidates by blind index, ranked, then only those ``user`` may see, masked.

    A strong match the user may not see is not mentioned here: creating the
    client records it for the system admin (``actions.create_client``).
    """
    query = matching.Pieces.of(first_name=first_name, last_name=last_name, dob=dob, ssn=ssn4)
    ranked = matching.find(query)
    if not ranked:
        return []
    visible = set(clients_listed_for(user).filter(pk__in=[r.client_id for r in ranked]).values_list("pk", flat=True))
    shown = [r for r in ranked if r.client_id in visible][:SEARCH_RESULTS_SHOWN]
    # Decrypted for display: only the rows shown.
    clients = Client.objects.select_related("owning_agency").only(
        "id", "reference", "is_anonymous", "owning_agency__name", "first_name", "last_name", "dob", "birth_year"
    )
    by_id = clients.in_bulk([r.client_id for r in shown])
    return [
        SearchMatch(MaskedClient.for_search(by_id[r.client_id], viewer), r.score) for r in shown if r.client_id in by_id
    ]


def hidden_strong_matches(user, client) -> list[matching.Ranked]:
    """Strong matches of ``client`` that ``user`` may not see and that are not
    confidential: the pairs for the duplicate-review list (never shown to ``user``)."""
    query = matching.Pieces.of(first_name=client.first_name, last_name=client.last_name, dob=client.dob, ssn=client.ssn)
    if query.filled < 2:
        return []
    strong = [r for r in matching.find(query, exclude_id=client.pk) if r.score >= matching.STRONG_MATCH]
    strong = [r for r in strong if not r.confidential]
    if not strong:
        return []
    visible = set(clients_listed_for(user).filter(pk__in=[r.client_id for r in strong]).values_list("pk", flat=True))
    return [r for r in strong if r.client_id not in visible]


def own_agency_strong_matches(user, client) -> list[matching.Ranked]:
    """Strong matches of ``client`` among its own agency's records (not
    confidential): created anyway after the search showed them, they go to the
    agency's supervisors' duplicate-review list."""
    query = matching.Pieces.of(first_name=client.first_name, last_name=client.last_name, dob=client.dob, ssn=client.ssn)
    if query.filled < 2:
        return []
    return [
        r
        for r in matching.find(query, exclude_id=client.pk)
        if r.score >= matching.STRONG_MATCH and not r.confidential and r.owning_agency_id == client.owning_agency_id
    ]


# --- Correction requests ------------------------------------------------------------------


def corrections_visible_to(user):
    """Correction requests on the clients whose record ``user``'s agency holds
    and ``user`` may see and edit (its case workers). A partner agency, and
    staff who only read (security officer, lead), see none."""
    if not permissions.has_permission(user, permissions.EDIT_CLIENTS) or not user.agency_id:
        return CorrectionRequest.objects.none()
    own = clients_listed_for(user).filter(owning_agency_id=user.agency_id)
    return CorrectionRequest.objects.filter(client__in=own.values("pk"))


# Its own columns; of the staff who asked and decided, the username the page shows.
CORRECTION_COLUMNS = [f.name for f in CorrectionRequest._meta.concrete_fields]


def corrections_of(user, client) -> list[CorrectionRequest]:
    """``client`` must come from ``get_client_for(user, ...)``: its requests, newest first."""
    if not can_edit(user, client):
        return []
    return list(
        CorrectionRequest.objects.filter(client=client)
        .select_related("requested_by", "decided_by")
        .only(*CORRECTION_COLUMNS, "requested_by__username", "decided_by__username")
        .order_by("-requested_at")
    )


def get_correction_for(user, client_id, correction_id) -> CorrectionRequest:
    """The request if ``user`` may see it, else 404 (missing and not yours alike)."""
    client = get_client_of_record_for(user, client_id)
    found = (
        corrections_visible_to(user)
        .filter(client=client, pk=correction_id)
        .select_related("requested_by", "decided_by")
        .first()
    )
    if found is None:
        raise Http404
    found.client = client
    return found


DASHBOARD_CORRECTIONS = 20


def dashboard_corrections_for(user) -> dict:
    """Context for the supervisor's dashboard: open requests of the agency,
    oldest first (references only), and their count, in one query."""
    if not permissions.has_permission(user, permissions.DECIDE_CORRECTIONS):
        return {}
    open_requests = list(
        corrections_visible_to(user)
        .filter(status=CorrectionRequest.Status.OPEN)
        .select_related("client", "requested_by")
        .only("id", "field", "requested_at", "client__id", "client__reference", "requested_by__username")
        .annotate(total=Window(Count("pk")))
        .order_by("requested_at")[:DASHBOARD_CORRECTIONS]
    )
    return {
        "open_corrections": open_requests,
        "open_correction_count": open_requests[0].total if open_requests else 0,
    }
