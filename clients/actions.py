"""Every write of the clients app: one function per business action.

Each takes ``acting_user`` (keyword-only), checks the permission and the
object rule (own agency, visible client), validates with ``full_clean``,
writes inside one transaction under the acting user in django-auditlog, and
records an access event where client data was touched. Values are never
logged or put in an exception message.
"""

import datetime
import json

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from clients import hud, matching, queries
from clients.masking import REVEALABLE, value_text
from clients.models import (
    AlreadyDecided,
    Assessment,
    Client,
    ClientMerge,
    ClientUserObjectPermission,
    CorrectionRequest,
    Enrollment,
    PossibleDuplicate,
    Project,
)
from clients.signals import clients_merged, clients_unmerged
from clients.validation import (
    ANONYMOUS_MESSAGE,
    IDENTIFYING_FIELDS,
    VAWA_MESSAGE,
    validate_assessment,
    validate_enrollment,
    validate_reveal,
)
from hmis import permissions
from hmis.audit import acting_as, record_access
from hmis.blind_index import normalize_ssn
from hmis.models import AccessEvent, User

VIEW_PERM = "clients.view_client"

CLIENT_FIELDS = (
    "first_name",
    "middle_name",
    "last_name",
    "name_suffix",
    "name_data_quality",
    "ssn",
    "ssn_data_quality",
    "dob",
    "dob_data_quality",
    "birth_year",
    "race_ethnicity",
    "sex",
    "veteran_status",
    "phone",
    "email",
    "last_permanent_address",
    "confidential",
    "is_anonymous",
)


def _require(user, code):
    if not permissions.has_permission(user, code):
        raise PermissionDenied


def _require_visible(user, client):
    """404 (as for a missing client) unless ``user`` may see ``client``."""
    queries.get_client_for(user, client.pk)


def _require_editable(user, client):
    _require(user, permissions.EDIT_CLIENTS)
    _require_visible(user, client)
    if not queries.can_edit(user, client):
        raise PermissionDenied


def _clean_values(values):
    values = dict(values)
    for name in ("first_name", "middle_name", "last_name", "name_suffix", "phone", "email", "last_permanent_address"):
        if name in values:
            values[name] = (values[name] or "").strip() or None
    if "ssn" in values:
        raw = (values["ssn"] or "").strip()
        # Keep what was typed if it is not digits-and-dashes, so validation can say so.
        values["ssn"] = (normalize_ssn(raw) if raw.replace("-", "").replace(" ", "").isdigit() else raw) or None
    return values


def _deidentify(client):
    """Erase (not hide) identifying values: anonymous records and VAWA agencies."""
    if client.dob and client.birth_year is None:
        client.birth_year = client.dob.year
    for name in IDENTIFYING_FIELDS:
        setattr(client, name, None)
    client.name_data_quality = hud.NameDataQuality.CLIENT_PREFERS_NOT
    client.ssn_data_quality = hud.SSNDataQuality.CLIENT_PREFERS_NOT
    client.dob_data_quality = hud.DOBDataQuality.CLIENT_PREFERS_NOT


# --- Clients ------------------------------------------------------------------------------


def check_new_client(*, acting_user, **values) -> Client:
    """The client ``create_client`` would save, unsaved; raises ``ValidationError``
    with every problem at once. Pages call it to list the record's problems
    together with the form's own."""
    _require(acting_user, permissions.CREATE_CLIENTS)
    unknown = set(values) - set(CLIENT_FIELDS)
    if unknown:
        raise ValueError(f"not client fields: {sorted(unknown)}")
    agency = acting_user.agency
    client = Client(owning_agency=agency, created_by=acting_user, **_clean_values(values))
    if agency.is_victim_service_provider:
        given = [name for name in IDENTIFYING_FIELDS if getattr(client, name) not in (None, "")]
        if given:
            raise ValidationError({name: VAWA_MESSAGE for name in given})
        client.is_anonymous = True
    if client.is_anonymous:
        _deidentify(client)
    client.refresh_indexes()
    client.full_clean()
    return client


@transaction.atomic
def create_client(*, acting_user, **values) -> Client:
    """Create a client of the acting user's agency.

    A victim service provider's records are de-identified: any identifying
    value is refused. Choosing "anonymous" erases identifying values typed
    before. A strong match with a record the user may not see (and that is
    not confidential) goes to the system admin's duplicate-review list; the
    user is not told. A strong match within the agency (shown by the search,
    created anyway) goes to the agency's supervisors' list.
    """
    client = check_new_client(acting_user=acting_user, **values)
    with acting_as(acting_user):
        client.save()
        if client.confidential:
            # The creator is named on a confidential record; supervisors add others.
            assign_perm(VIEW_PERM, acting_user, client)
        record_access(actor=acting_user, action=AccessEvent.Action.CREATE, subject=client, reason="intake")
        matches = queries.hidden_strong_matches(acting_user, client) + queries.own_agency_strong_matches(
            acting_user, client
        )
        for match in matches:
            PossibleDuplicate.objects.get_or_create(
                new_client=client,
                existing_client_id=match.client_id,
                defaults={"score": round(match.score, 3), "found_by": acting_user},
            )
    return client


@transaction.atomic
def update_client(*, acting_user, client, **changes) -> Client:
    """Edit a client of the user's own agency. An identifying field given as
    ``None`` is cleared; one left out keeps its value. ``is_anonymous=True``
    erases identifying values for good."""
    _require_editable(acting_user, client)
    unknown = set(changes) - set(CLIENT_FIELDS)
    if unknown:
        raise ValueError(f"not client fields: {sorted(unknown)}")
    client = Client.objects.select_for_update().select_related("owning_agency").get(pk=client.pk)
    changed = _apply_changes(client, changes)
    with acting_as(acting_user):
        client.save()
        if client.confidential and "confidential" in changed:
            assign_perm(VIEW_PERM, acting_user, client)
        record_access(actor=acting_user, action=AccessEvent.Action.EDIT, subject=client, fields=sorted(changed))
    return client


def _apply_changes(client, changes) -> list[str]:
    """Set ``changes`` on ``client`` (unsaved), rebuild its blind indexes and
    validate it by the record's rules; returns the names of the fields that
    changed. The one write path of an edit, also checked before one is asked
    for (a correction request)."""
    changes = _clean_values(changes)
    changed = [name for name, value in changes.items() if getattr(client, name) != value]
    _write_values(client, changes)
    return changed


def _write_values(client, values):
    """The one write path of a client's values (an edit, a merge, its undo):
    anonymous records stay de-identified, the blind indexes (the name
    neighbours too) are rebuilt from the new values, and the record is validated."""
    for name, value in values.items():
        setattr(client, name, value)
    if client.is_anonymous:
        _deidentify(client)
    client.refresh_indexes()
    client.full_clean()


def record_client_opened(*, acting_user, client) -> None:
    """Every opening of a client page is an access event."""
    record_access(actor=acting_user, action=AccessEvent.Action.VIEW, subject=client)


def record_search_matches(*, acting_user, client_ids) -> None:
    """The clients shown (masked) in a search result, for the accounting of disclosures."""
    for client_id in client_ids:
        record_access(
            actor=acting_user,
            action=AccessEvent.Action.SEARCH_MATCH,
            subject=Client(pk=client_id),
            reason=AccessEvent.Reason.INTAKE,
        )


@transaction.atomic
def reveal_client_field(*, acting_user, client, field, reason, reason_text="", privacy_screen=False) -> str:
    """Unmask one field of one client for one page view, with a reason.

    Returns the field name to show; the value itself is read by the page
    from the client it already holds. Recorded as an access event.
    """
    _require(acting_user, permissions.REVEAL_CLIENT_PII)
    _require_visible(acting_user, client)
    validate_reveal(
        client=client,
        field=field,
        revealable=REVEALABLE,
        reason=reason,
        reason_text=reason_text,
        privacy_screen=privacy_screen,
    )
    record_access(
        actor=acting_user,
        action=AccessEvent.Action.REVEAL,
        subject=client,
        fields=[field],
        reason=reason,
        reason_text=(reason_text or "").strip(),
    )
    return field


def print_client_copy(
    *, acting_user, client, identity_check, identity_note="", language, include_ssn=False, privacy_screen=False
):
    """Record that staff printed the client's own copy of their record, after
    checking who is asking. Only staff of the owning agency who may reveal its
    fields print; another agency gets 404 (as for a missing client).

    The access event (``PRINT``, the client asked) names what was printed and
    how identity was checked; a note typed with "Other" is encrypted in its
    reason text. Returns the ``CopyChoice`` the printable page shows.
    """
    from clients.client_copy import PRINTED_FIELDS, CopyChoice, IdentityCheck, Language

    _require(acting_user, permissions.REVEAL_CLIENT_PII)
    _require_visible(acting_user, client)
    if client.owning_agency_id != acting_user.agency_id:
        raise Http404
    identity_note = (identity_note or "").strip()
    errors = {}
    if identity_check not in IdentityCheck.values:
        errors["identity_check"] = "Say how you checked that this is the client."
    elif identity_check == IdentityCheck.OTHER and not identity_note:
        errors["identity_note"] = "Say how you checked that this is the client."
    if language not in Language.values:
        errors["language"] = "Choose the language of the copy."
    if privacy_screen:
        errors["__all__"] = "The privacy screen is on. Switch it off to print a copy."
    if errors:
        raise ValidationError(errors)
    include_ssn = bool(include_ssn and client.ssn)
    record_access(
        actor=acting_user,
        action=AccessEvent.Action.PRINT,
        subject=client,
        fields=[*PRINTED_FIELDS, *(["ssn"] if include_ssn else [])],
        reason=AccessEvent.Reason.CLIENT_REQUEST,
        reason_text=identity_note if identity_check == IdentityCheck.OTHER else "",
        detail=f"Client copy; identity checked: {identity_check}; language: {language}",
    )
    return CopyChoice(language=language, include_ssn=include_ssn)


# --- Who else may see a client (guardian direct-FK rows) ----------------------------------


def _check_grantee(group_or_user):
    if isinstance(group_or_user, User):
        return
    if isinstance(group_or_user, Group) and hasattr(group_or_user, "agency"):
        return
    # Role groups ("intake") span every agency: granting to one would leak a client everywhere.
    raise ValueError("grant client access to a user or to an agency's group only")


@transaction.atomic
def grant_client_access(*, group_or_user, client, acting_user=None):
    """Let one user, or one agency's group, see one client (``view_client`` on
    that object only). Called by the sharing app while a referral is live and
    by supervisors naming staff on a confidential record. Idempotent."""
    _check_grantee(group_or_user)
    with acting_as(acting_user):
        assign_perm(VIEW_PERM, group_or_user, client)


@transaction.atomic
def revoke_client_access(*, group_or_user, client, acting_user=None):
    """Remove that grant; access ends at the next request. Idempotent."""
    _check_grantee(group_or_user)
    with acting_as(acting_user):
        remove_perm(VIEW_PERM, group_or_user, client)


@transaction.atomic
def name_staff_on_client(*, acting_user, client, staff_user):
    """Someone named on a confidential record names a colleague of the agency
    (the record is visible to ``acting_user`` only if they are named)."""
    _require(acting_user, permissions.NAME_STAFF_ON_CONFIDENTIAL)
    _require_editable(acting_user, client)
    if staff_user.agency_id != client.owning_agency_id or not staff_user.is_active:
        raise ValidationError({"staff_user": "Choose an active colleague of the client's agency."})
    if not permissions.has_permission(staff_user, permissions.SEE_CLIENT_NAMES):
        raise ValidationError({"staff_user": "Only case workers (intake or supervisor) can be named."})
    grant_client_access(group_or_user=staff_user, client=client, acting_user=acting_user)
    record_access(
        actor=acting_user, action=AccessEvent.Action.EDIT, subject=client, detail=f"named {staff_user.username}"
    )


@transaction.atomic
def unname_staff_on_client(*, acting_user, client, staff_user):
    """Take a colleague off a confidential record; someone must stay named."""
    _require(acting_user, permissions.NAME_STAFF_ON_CONFIDENTIAL)
    _require_editable(acting_user, client)
    named = queries.staff_named_on(client)
    if staff_user not in named:
        raise ValidationError({"staff_user": "That colleague is not named on this record."})
    if len(named) == 1:
        raise ValidationError({"staff_user": "Name someone else first: a confidential record needs one named person."})
    revoke_client_access(group_or_user=staff_user, client=client, acting_user=acting_user)
    record_access(
        actor=acting_user, action=AccessEvent.Action.EDIT, subject=client, detail=f"removed {staff_user.username}"
    )


# --- Projects, enrollments, assessments -------------------------------------------------------


@transaction.atomic
def create_project(*, acting_user, name, project_type) -> Project:
    _require(acting_user, permissions.MANAGE_PROJECTS)
    project = Project(agency=acting_user.agency, name=(name or "").strip(), project_type=project_type)
    try:
        project.full_clean()
    except ValidationError as error:
        if "__all__" in getattr(error, "error_dict", {}):
            raise ValidationError({"name": "Your agency already has a project with that name."})
        raise
    with acting_as(acting_user):
        project.save()
    return project


@transaction.atomic
def enrol_client(*, acting_user, client, project, entry_date, relationship_to_hoh) -> Enrollment:
    _require_editable(acting_user, client)
    if project.agency_id != acting_user.agency_id or not project.is_active:
        raise ValidationError({"project": "Choose one of your agency's open projects."})
    enrollment = Enrollment(
        client=client,
        project=project,
        entry_date=entry_date,
        relationship_to_hoh=relationship_to_hoh,
        created_by=acting_user,
    )
    validate_enrollment(enrollment, client)
    enrollment.full_clean()
    with acting_as(acting_user):
        enrollment.save()
        record_access(
            actor=acting_user, action=AccessEvent.Action.EDIT, subject=client, fields=["enrollment"], reason="intake"
        )
    return enrollment


@transaction.atomic
def exit_enrollment(*, acting_user, enrollment, exit_date, destination) -> Enrollment:
    client = enrollment.client
    _require_editable(acting_user, client)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.exit_date:
        raise ValidationError({"exit_date": "This enrollment has already ended."})
    enrollment.exit_date = exit_date
    enrollment.destination = destination
    validate_enrollment(enrollment, client)
    enrollment.full_clean()
    with acting_as(acting_user):
        enrollment.save()
        record_access(actor=acting_user, action=AccessEvent.Action.EDIT, subject=client, fields=["enrollment exit"])
    return enrollment


@transaction.atomic
def record_assessment(*, acting_user, enrollment, **answers) -> Assessment:
    client = enrollment.client
    _require_editable(acting_user, client)
    unknown = set(answers) - set(Assessment.ANSWERS)
    if unknown:
        raise ValueError(f"not assessment fields: {sorted(unknown)}")
    if isinstance(answers.get("notes"), str):
        answers["notes"] = answers["notes"].strip() or None
    assessment = Assessment(enrollment=enrollment, created_by=acting_user, **answers)
    assessment.full_clean()
    validate_assessment(assessment, enrollment)
    with acting_as(acting_user):
        assessment.save()
        record_access(
            actor=acting_user, action=AccessEvent.Action.EDIT, subject=client, fields=["assessment"], reason="intake"
        )
    return assessment


# --- Duplicate review -------------------------------------------------------------------------


@transaction.atomic
def resolve_possible_duplicate(*, acting_user, duplicate, status) -> PossibleDuplicate:
    _require(acting_user, permissions.REVIEW_DUPLICATES)
    if status not in (PossibleDuplicate.Status.DUPLICATE, PossibleDuplicate.Status.DISTINCT):
        raise ValidationError({"status": "Choose same person or different people."})
    duplicate = PossibleDuplicate.objects.select_for_update().get(pk=duplicate.pk)
    if duplicate.status != PossibleDuplicate.Status.OPEN:
        raise ValidationError("This pair was already reviewed.")
    duplicate.status = status
    duplicate.resolved_by = acting_user
    duplicate.resolved_at = timezone.now()
    with acting_as(acting_user):
        duplicate.save()
    return duplicate


# --- Merging duplicates -----------------------------------------------------------------------

# The values a merge takes from one record or the other, in groups that go
# together (a name with its data quality, a birth date with its year).
MERGE_GROUPS = {
    "name": ("first_name", "middle_name", "last_name", "name_suffix", "name_data_quality"),
    "ssn": ("ssn", "ssn_data_quality"),
    "dob": ("dob", "dob_data_quality", "birth_year"),
    "race_ethnicity": ("race_ethnicity",),
    "sex": ("sex",),
    "veteran_status": ("veteran_status",),
    "phone": ("phone",),
    "email": ("email",),
    "last_permanent_address": ("last_permanent_address",),
}
KEEP, TAKE = "kept", "merged"
ACCESS_EVENT_LABEL = "hmis.accessevent"


def _plain_values(client) -> dict:
    values = {name: getattr(client, name) for name in CLIENT_FIELDS}
    values["dob"] = values["dob"].isoformat() if values["dob"] else None
    return values


def _values_from_plain(values: dict) -> dict:
    values = dict(values)
    values["dob"] = datetime.date.fromisoformat(values["dob"]) if values.get("dob") else None
    return values


def _lock_pair(first_id, second_id):
    """Both records, locked in a stable order (two merges never deadlock)."""
    rows = Client.objects.select_for_update().filter(pk__in=[first_id, second_id]).order_by("pk")
    found = {c.pk: c for c in rows}
    if len(found) != 2:
        raise Http404
    return found[first_id], found[second_id]


def _require_may_merge(user, kept, merged):
    """A supervisor merges two records of their own agency that they may see;
    across agencies only the system admin merges. Others' records: 404."""
    _require(user, permissions.REVIEW_DUPLICATES)
    if not queries.is_system_admin(user):
        for client in (kept, merged):
            _require_visible(user, client)
            if client.owning_agency_id != user.agency_id:
                raise Http404
    for client in (kept, merged):
        if client.merged_into_id:
            raise ValidationError("One of these records was already merged into another.")
        if client.retained_deidentified_at:
            raise ValidationError("A record de-identified under the retention policy cannot be merged.")


def _repoint(queryset, **to) -> list:
    ids = list(queryset.values_list("pk", flat=True))
    if ids:
        queryset.model.objects.filter(pk__in=ids).update(**to)
    return [str(pk) for pk in ids]


def _move_named_staff(kept, merged) -> list:
    """Move the named-staff rows of ``merged`` that ``kept`` lacks (one row per person and record)."""
    already = ClientUserObjectPermission.objects.filter(content_object=kept).values("user_id")
    return _repoint(
        ClientUserObjectPermission.objects.filter(content_object=merged).exclude(user_id__in=already),
        content_object=kept,
    )


def _pair_of(kept, merged):
    return (
        PossibleDuplicate.objects.select_for_update()
        .filter(
            Q(new_client=kept, existing_client=merged) | Q(new_client=merged, existing_client=kept),
        )
        .first()
    )


@transaction.atomic
def merge_clients(*, acting_user, kept, merged, choices) -> ClientMerge:
    """Merge the duplicate record ``merged`` into ``kept``.

    ``choices`` maps a ``MERGE_GROUPS`` name to ``"kept"`` or ``"merged"``:
    whose value the kept record ends with (the kept record's by default).

    1. Permission: a supervisor, both records of their agency; the system admin
       across agencies (the kept record's agency owns the result).
    2. The chosen values are written through the edit's write path (blind
       indexes rebuilt). A confidential record stays confidential.
    3. Enrollments (with their assessments), named staff and access events
       move to ``kept``; ``clients_merged`` lets sharing (releases, referrals
       and the grants that follow them, disclosures) and incidents move
       theirs. Every moved id is kept on the ``ClientMerge``.
    4. ``merged`` becomes a tombstone: its values stay encrypted for an undo,
       its blind indexes are cleared, no scope or search returns it.
    5. The possible-duplicate pair is resolved as the same person; both
       records' access histories show the merge.
    """
    unknown = set(choices) - set(MERGE_GROUPS)
    if unknown:
        raise ValueError(f"not merge groups: {sorted(unknown)}")
    if any(choice not in (KEEP, TAKE) for choice in choices.values()):
        raise ValidationError("Choose, for each value, the record to keep it from.")
    if kept.pk == merged.pk:
        raise ValidationError("Choose two different records.")
    kept, merged = _lock_pair(kept.pk, merged.pk)
    _require_may_merge(acting_user, kept, merged)
    now = timezone.now()
    taken = sorted(group for group, choice in choices.items() if choice == TAKE)
    merge = ClientMerge(
        kept=kept,
        merged=merged,
        merged_by=acting_user,
        merged_at=now,
        choices={group: choices.get(group, KEEP) for group in MERGE_GROUPS},
        kept_before=json.dumps(_plain_values(kept)),
    )
    values = {name: getattr(merged, name) for group in taken for name in MERGE_GROUPS[group]}
    values["confidential"] = kept.confidential or merged.confidential
    _write_values(kept, values)
    with acting_as(acting_user):
        kept.save()
        merge.save()
        moved = {
            "clients.enrollment": _repoint(Enrollment.objects.filter(client=merged), client=kept),
            "clients.clientuserobjectpermission": _move_named_staff(kept, merged),
            ACCESS_EVENT_LABEL: [
                int(pk)
                for pk in _repoint(
                    AccessEvent.objects.filter(subject_type="clients.client", subject_id=merged.pk),
                    subject_id=kept.pk,
                )
            ],
        }
        for _receiver, rows in clients_merged.send(sender=Client, kept=kept, merged=merged, merge=merge):
            moved.update(rows or {})
        merge.moved = moved
        merge.duplicate = _pair_of(kept, merged)
        merge.save(update_fields=["moved", "duplicate"])
        merged.merged_into = kept
        merged.merged_at = now
        for column in (*matching.INDEX_COLUMNS, matching.NEIGHBOUR_COLUMN):
            setattr(merged, column, None)
        merged.save()
        if merge.duplicate and merge.duplicate.status == PossibleDuplicate.Status.OPEN:
            merge.duplicate.status = PossibleDuplicate.Status.DUPLICATE
            merge.duplicate.resolved_by = acting_user
            merge.duplicate.resolved_at = now
            merge.duplicate.save()
        detail = f"{merged.reference} merged into {kept.reference}"
        for client in (kept, merged):
            record_access(
                actor=acting_user, action=AccessEvent.Action.MERGE, subject=client, fields=taken, detail=detail
            )
    return merge


def merge_undo_deadline(merge):
    return merge.merged_at + datetime.timedelta(days=settings.HMIS_MERGE_UNDO_DAYS)


@transaction.atomic
def unmerge_clients(*, acting_user, merge) -> ClientMerge:
    """Undo a merge (the system admin, within ``HMIS_MERGE_UNDO_DAYS``).

    The kept record gets back its values from before the merge (edits made
    to it since are replaced), the tombstone becomes a record again with its
    blind indexes, exactly the rows the merge moved go back (sharing and
    incidents through ``clients_unmerged``; rows added since stay on the kept
    record), the pair is open for review again, and both histories show it.
    """
    _require(acting_user, permissions.UNDO_MERGES)
    merge = ClientMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at:
        raise ValidationError("This merge was already undone.")
    if timezone.now() > merge_undo_deadline(merge):
        raise ValidationError(
            f"A merge can be undone for {settings.HMIS_MERGE_UNDO_DAYS} days only. "
            f"This one was made on {merge.merged_at:%Y-%m-%d} and stays."
        )
    kept, merged = _lock_pair(merge.kept_id, merge.merged_id)
    if merged.merged_into_id != kept.pk:
        raise ValidationError("This merge was already undone.")
    if kept.merged_into_id:
        raise ValidationError("The kept record was merged into another since: undo that merge first.")
    now = timezone.now()
    _write_values(kept, _values_from_plain(json.loads(merge.kept_before)))
    merged.merged_into = None
    merged.merged_at = None
    merged.refresh_indexes()
    moved = merge.moved
    with acting_as(acting_user):
        kept.save()
        merged.save()
        Enrollment.objects.filter(pk__in=moved.get("clients.enrollment", []), client=kept).update(client=merged)
        ClientUserObjectPermission.objects.filter(
            pk__in=moved.get("clients.clientuserobjectpermission", []), content_object=kept
        ).update(content_object=merged)
        AccessEvent.objects.filter(
            pk__in=moved.get(ACCESS_EVENT_LABEL, []), subject_type="clients.client", subject_id=kept.pk
        ).update(subject_id=merged.pk)
        clients_unmerged.send(sender=Client, kept=kept, merged=merged, merge=merge)
        merge.undone_by = acting_user
        merge.undone_at = now
        merge.save(update_fields=["undone_by", "undone_at"])
        pair = merge.duplicate
        if pair is not None and pair.status == PossibleDuplicate.Status.DUPLICATE:
            # The records are two again: the pair is back on the list for a fresh review.
            pair.status = PossibleDuplicate.Status.OPEN
            pair.resolved_by = None
            pair.resolved_at = None
            pair.save()
        detail = f"{merged.reference} separated from {kept.reference}"
        for client in (kept, merged):
            record_access(actor=acting_user, action=AccessEvent.Action.UNMERGE, subject=client, detail=detail)
    return merge


# --- Corrections (HUD privacy standards: a client may ask to correct their record) ------------


def _parse_requested_value(field, text):
    """The value ``text`` asks ``field`` to hold, in the field's type; refused with
    a message on ``requested_value`` that never repeats what was typed."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"requested_value": "Write what the record should say."})
    if field == "dob":
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise ValidationError({"requested_value": "Write the date of birth as YYYY-MM-DD."}) from None
    if field in ("sex", "veteran_status"):
        choices = Client._meta.get_field(field).choices
        for code, label in choices:
            if text.lower() in (str(code), label.lower()):
                return code
        allowed = "; ".join(str(label) for _, label in choices)  # labels are lazy translations
        raise ValidationError({"requested_value": f"Write one of: {allowed}."})
    return text


def _require_kept(client, field, value):
    """An anonymous record erases identifying values as it saves: refuse a
    correction it would silently drop."""
    if getattr(client, field) != value:
        raise ValidationError({"requested_value": ANONYMOUS_MESSAGE})


def _require_correction_decider(acting_user, correction):
    _require(acting_user, permissions.DECIDE_CORRECTIONS)
    _require_editable(acting_user, correction.client)
    if correction.requested_by_id == acting_user.pk:
        # Four eyes, as for releases: who recorded the request never decides it.
        raise PermissionDenied("You recorded this request: another supervisor must decide it.")


def _claim_open(correction) -> CorrectionRequest:
    """The request, locked, if still open: of two supervisors deciding at
    once, the second waits for the first and is then told it was decided."""
    locked = CorrectionRequest.objects.select_for_update().select_related("client").get(pk=correction.pk)
    if not locked.can_move_to(CorrectionRequest.Status.ACCEPTED):
        raise AlreadyDecided
    return locked


@transaction.atomic
def request_correction(*, acting_user, client, field, requested_value, reason) -> CorrectionRequest:
    """Staff of the record's agency (who may edit it) record a client's request
    to correct one field, with the client's reason. The requested value must
    pass the same rules as an edit of the record, so a supervisor only decides
    requests that can be made."""
    _require_editable(acting_user, client)
    errors = {}
    if field not in CorrectionRequest.FIELDS:
        errors["field"] = "Choose the field the client wants corrected."
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "Write why the client asks for the correction."
    if errors:
        raise ValidationError(errors)
    value = _clean_values({field: _parse_requested_value(field, requested_value)})[field]
    candidate = Client.objects.select_related("owning_agency").get(pk=client.pk)
    if getattr(candidate, field) == value:
        raise ValidationError({"requested_value": "The record already says that."})
    _apply_changes(candidate, {field: value})
    _require_kept(candidate, field, value)
    correction = CorrectionRequest(
        client=client, field=field, requested_value=value_text(value), reason=reason, requested_by=acting_user
    )
    correction.full_clean()
    with acting_as(acting_user):
        correction.save()
        record_access(
            actor=acting_user,
            action=AccessEvent.Action.EDIT,
            subject=client,
            fields=["correction request"],
            reason=AccessEvent.Reason.CLIENT_REQUEST,
            detail=f"Recorded correction request {correction.pk}",
        )
    return correction


@transaction.atomic
def accept_correction(*, acting_user, request) -> CorrectionRequest:
    """A supervisor of the record's agency, who did not record it, accepts an
    open request: the field is changed through ``update_client`` (the edit's
    rules, blind indexes rebuilt), and the client's audit entry is linked to
    the request both ways. Deciding a request twice is refused."""
    _require_correction_decider(acting_user, request)
    request = _claim_open(request)
    client = Client.objects.select_for_update().get(pk=request.client_id)
    value = _clean_values({request.field: _parse_requested_value(request.field, request.requested_value)})[
        request.field
    ]
    previous = getattr(client, request.field)
    if previous == value:
        raise ValidationError("The record already says that: refuse the request and tell the client why.")
    request.previous_value = value_text(previous)
    with acting_as(acting_user):
        request.move_to(CorrectionRequest.Status.ACCEPTED, by=acting_user)
    updated = update_client(acting_user=acting_user, client=client, **{request.field: value})
    _require_kept(updated, request.field, value)
    entry = LogEntry.objects.get_for_object(client).filter(actor=acting_user).order_by("-pk").first()
    entry.additional_data = {"correction_request": str(request.pk)}
    entry.save(update_fields=["additional_data"])
    request.applied_change = entry
    with acting_as(acting_user):
        request.save(update_fields=["applied_change"])
    record_access(
        actor=acting_user,
        action=AccessEvent.Action.EDIT,
        subject=client,
        fields=[request.field],
        reason=AccessEvent.Reason.CLIENT_REQUEST,
        detail=f"Accepted correction request {request.pk}",
    )
    return request


@transaction.atomic
def refuse_correction(*, acting_user, request, reason) -> CorrectionRequest:
    """A supervisor of the record's agency, who did not record it, refuses an
    open request with the reason the client will be given. The request stays
    attached to the record."""
    _require_correction_decider(acting_user, request)
    request = _claim_open(request)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Write the reason the client will be given."})
    request.refusal_reason = reason[:2000]
    with acting_as(acting_user):
        request.move_to(CorrectionRequest.Status.REFUSED, by=acting_user)
    record_access(
        actor=acting_user,
        action=AccessEvent.Action.EDIT,
        subject=request.client,
        fields=["correction request"],
        reason=AccessEvent.Reason.CLIENT_REQUEST,
        detail=f"Refused correction request {request.pk}",
    )
    return request


@transaction.atomic
def reveal_correction_value(*, acting_user, request, reason, reason_text="", privacy_screen=False) -> str:
    """Unmask, for one page view and with a reason, the masked field a
    correction request is about (its requested and current values). Recorded
    as a reveal of that field of the client."""
    _require(acting_user, permissions.REVEAL_CLIENT_PII)
    _require_editable(acting_user, request.client)
    errors = {}
    if request.field not in REVEALABLE:
        errors["field"] = "This field is not masked."
    if reason not in AccessEvent.Reason.values:
        errors["reason"] = "Choose why you need to see it."
    elif reason == AccessEvent.Reason.OTHER and not (reason_text or "").strip():
        errors["reason_text"] = "Say why you need to see it."
    if privacy_screen:
        errors.setdefault("field", "The privacy screen is on. Switch it off to reveal a field.")
    if errors:
        raise ValidationError(errors)
    record_access(
        actor=acting_user,
        action=AccessEvent.Action.REVEAL,
        subject=request.client,
        fields=[request.field],
        reason=reason,
        reason_text=(reason_text or "").strip(),
        detail=f"Correction request {request.pk}",
    )
    return request.field
