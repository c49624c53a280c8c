"""Retention: identifying data is de-identified ``HMIS_RETENTION_YEARS`` (at
least 7, HUD's HMIS privacy standards) after the client's record was last
created or changed, unless a live release, an open enrollment, a live
referral, an open incident or a legal hold keeps it.

A run has three steps:

1. ``plan_retention`` counts, per agency, the clients due (nightly through
   ``clients.tasks.plan_retention``, or when the system admin asks). It
   writes a ``RetentionRun`` with the counts and erases nothing.
2. The system admin reads the counts and confirms (``confirm_retention_run``);
   the run is queued after the commit.
3. ``run_confirmed`` (the Celery task ``clients.tasks.run_retention``)
   de-identifies in batches of ``HMIS_RETENTION_BATCH_SIZE``, each its own
   transaction, re-checking every exclusion. A client done before is not due
   any more, so a rerun or a redelivered message repeats nothing.

Erased: names, SSN, full date of birth (the birth year stays), contact,
address, assessment notes, and every blind index, so no search finds the
record; through ``clients.signals.clients_deidentified``, sharing erases the
scanned consent forms, witnesses, outside recipients and the free text of
releases, referrals and disclosures. Kept for HUD reporting: the reference code, data-quality codes,
demographics, veteran status, enrollments and assessment answers.
Audited as counts (the run's rows in django-auditlog), never names or ids.

The clients app does not import the feature apps: sharing and incidents
answer the ``clients.signals.retention_rules`` signal with what dates a
client (releases, referrals) and what keeps one (a live release or referral,
an open incident); ``tests/clients/test_retention.py`` checks both answer.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, DateTimeField, Exists, F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Cast, Greatest
from django.shortcuts import get_object_or_404
from django.utils import timezone

from clients.matching import INDEX_COLUMNS, NEIGHBOUR_COLUMN
from clients.models import Assessment, Client, Enrollment, LegalHold, RetentionRun
from clients.signals import clients_deidentified, retention_rules
from clients.validation import IDENTIFYING_FIELDS
from hmis import permissions
from hmis.audit import acting_as
from hmis.models import AccessEvent

# Counts older than this are not confirmed: the admin counts again first.
PLAN_VALID_FOR = timedelta(days=2)
ERASED_FIELDS = (*IDENTIFYING_FIELDS, *INDEX_COLUMNS, NEIGHBOUR_COLUMN)


def _require_admin(user):
    if not permissions.has_permission(user, permissions.MANAGE_RETENTION):
        raise PermissionDenied


def retention_cutoff(now):
    """Clients last created or changed before this are due. A leap day is
    read as 28 February, so the period is never shorter than the years."""
    years = settings.HMIS_RETENTION_YEARS
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


# --- What is due --------------------------------------------------------------------------


def latest_of(queryset, client_path, *columns):
    """The newest of ``columns`` over ``queryset``'s rows of the outer client."""
    latest = Max(columns[0]) if len(columns) == 1 else Greatest(*(Max(c) for c in columns))
    return Subquery(
        queryset.filter(**{client_path: OuterRef("pk")}).order_by().values(client_path).annotate(at=latest).values("at")
    )


def other_apps_rules(now):
    """What the apps holding rows about clients say dates or keeps them."""
    return [rules for _receiver, rules in retention_rules.send(sender=Client, now=now)]


def _last_changed(rules):
    """When the client's record was last created or changed, as one SQL
    expression: its own row, its enrollments (an exit has only its date),
    assessments, every change an action recorded as an access event, and
    the other apps' rows (releases, referrals). PostgreSQL's GREATEST skips
    the empty ones."""
    return Greatest(
        F("updated_at"),
        latest_of(Enrollment.objects.all(), "client", "created_at", Cast("exit_date", DateTimeField())),
        latest_of(Assessment.objects.all(), "enrollment__client", "created_at"),
        latest_of(
            AccessEvent.objects.filter(
                subject_type=Client._meta.label_lower, action__in=[AccessEvent.Action.CREATE, AccessEvent.Action.EDIT]
            ),
            "subject_id",
            "at",
        ),
        *(expression for app in rules for expression in app.last_changed),
    )


def _kept(rules) -> Q:
    """What keeps a client's identifying data, whatever its age: an open
    enrollment, a legal hold, and what the other apps say (a live release
    or referral, an open incident)."""
    kept = Q(Exists(Enrollment.objects.filter(client=OuterRef("pk"), exit_date__isnull=True))) | Q(
        Exists(LegalHold.objects.filter(client=OuterRef("pk"), released_at__isnull=True))
    )
    for app in rules:
        for keep in app.keeps:
            kept |= keep
    return kept


def due_clients(cutoff, *, now):
    """Clients not yet de-identified, last changed before ``cutoff``, and kept by nothing."""
    rules = other_apps_rules(now)
    return (
        Client.objects.filter(retained_deidentified_at__isnull=True)
        .alias(last_changed=_last_changed(rules))
        .filter(last_changed__lt=cutoff)
        .exclude(_kept(rules))
    )


# --- Actions ------------------------------------------------------------------------------


@transaction.atomic
def plan_retention(*, acting_user=None) -> RetentionRun | None:
    """Count the clients due, per agency, and leave the count waiting for the
    system admin. ``acting_user`` is the system admin, or None for the
    nightly job. A newer count replaces one still waiting. Returns the run,
    or None when nothing is due."""
    if acting_user is not None:
        _require_admin(acting_user)
    now = timezone.now()
    cutoff = retention_cutoff(now)
    counts = {
        str(agency_id): total
        for agency_id, total in due_clients(cutoff, now=now)
        .order_by()
        .values_list("owning_agency_id")
        .annotate(total=Count("pk"))
    }
    with acting_as(acting_user):
        for waiting in RetentionRun.objects.select_for_update().filter(status=RetentionRun.Status.PLANNED):
            waiting.move_to(RetentionRun.Status.SUPERSEDED, by=acting_user)
        if not counts:
            return None
        return RetentionRun.objects.create(
            cutoff=cutoff,
            retention_years=settings.HMIS_RETENTION_YEARS,
            planned_at=now,
            planned_by=acting_user,
            planned_counts=counts,
            planned_total=sum(counts.values()),
        )


@transaction.atomic
def confirm_retention_run(*, acting_user, run) -> RetentionRun:
    """The system admin confirms a waiting count; after the commit a worker
    de-identifies those clients (``run_confirmed``). Cannot be undone."""
    from clients.tasks import run_retention

    _require_admin(acting_user)
    run = RetentionRun.objects.select_for_update().get(pk=run.pk)
    if run.status != RetentionRun.Status.PLANNED:
        raise ValidationError("This count was already confirmed or replaced by a newer one.")
    now = timezone.now()
    if now - run.planned_at > PLAN_VALID_FOR:
        raise ValidationError("This count is more than two days old. Count again, then confirm.")
    with acting_as(acting_user):
        run.move_to(RetentionRun.Status.CONFIRMED, by=acting_user, at=now)
    transaction.on_commit(lambda: run_retention.delay(str(run.pk)))
    return run


def run_confirmed(run_id) -> str:
    """The confirmed run's job. Steps:

    1. claim the run (confirmed -> running; a redelivered message finds it
       running and carries on);
    2. de-identify a batch in its own transaction until none is left;
    3. mark the run done.
    """
    with transaction.atomic():
        run = RetentionRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status not in (RetentionRun.Status.CONFIRMED, RetentionRun.Status.RUNNING):
            return "skipped"
        if run.status == RetentionRun.Status.CONFIRMED:
            with acting_as(run.confirmed_by):
                run.move_to(RetentionRun.Status.RUNNING, by=None)
    while deidentify_batch(run):
        pass
    with transaction.atomic():
        run = RetentionRun.objects.select_for_update().get(pk=run_id)
        if run.status == RetentionRun.Status.RUNNING:
            with acting_as(run.confirmed_by):
                run.move_to(RetentionRun.Status.DONE, by=None)
    return "done"


@transaction.atomic
def deidentify_batch(run) -> int:
    """De-identify up to ``HMIS_RETENTION_BATCH_SIZE`` clients of ``run``'s
    agencies that are due now (exclusions checked again); returns how many."""
    run = RetentionRun.objects.select_for_update().get(pk=run.pk)
    now = timezone.now()
    # Locked clients are skipped: a legal hold being set locks its client first.
    ids = list(
        due_clients(run.cutoff, now=now)
        .filter(owning_agency_id__in=list(run.planned_counts))
        .order_by("pk")
        .select_for_update(skip_locked=True, of=("self",))
        .values_list("pk", flat=True)[: settings.HMIS_RETENTION_BATCH_SIZE]
    )
    if not ids:
        return 0
    # The birth year stays (HUD reports ages); each row is encrypted on its own.
    for client in Client.objects.filter(pk__in=ids, dob__isnull=False, birth_year__isnull=True):
        Client.objects.filter(pk=client.pk).update(birth_year=client.dob.year)
    # A queryset update writes no per-client audit row: the run's counts are the record.
    Client.objects.filter(pk__in=ids).update(retained_deidentified_at=now, **dict.fromkeys(ERASED_FIELDS))
    Assessment.objects.filter(enrollment__client_id__in=ids).update(notes=None)
    clients_deidentified.send(sender=Client, client_ids=ids)  # consent forms, referral notes: the other apps'
    run.batches += 1
    run.deidentified += len(ids)
    with acting_as(run.confirmed_by):
        run.save(update_fields=["batches", "deidentified"])
    return len(ids)


@transaction.atomic
def set_legal_hold(*, acting_user, client, reason) -> LegalHold:
    """Keep ``client``'s identifying data past the retention period (system admin, with a reason)."""
    _require_admin(acting_user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the record is held (for example the court order's number)."})
    client = Client.objects.select_for_update().get(pk=client.pk)
    if client.retained_deidentified_at:
        raise ValidationError("This client's identifying details were already removed: there is nothing to hold.")
    if LegalHold.objects.filter(client=client, released_at__isnull=True).exists():
        raise ValidationError("This client is already on legal hold.")
    hold = LegalHold(client=client, reason=reason, set_by=acting_user, set_at=timezone.now())
    hold.full_clean()
    with acting_as(acting_user):
        hold.save()
    return hold


@transaction.atomic
def release_legal_hold(*, acting_user, hold, reason) -> LegalHold:
    """End a legal hold (system admin, with a reason); the retention policy applies again."""
    _require_admin(acting_user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the hold ends."})
    hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
    if hold.released_at:
        raise ValidationError("This hold was already released.")
    hold.released_by, hold.released_at, hold.release_reason = acting_user, timezone.now(), reason
    with acting_as(acting_user):
        hold.save(update_fields=["released_by", "released_at", "release_reason"])
    return hold


# --- Reads for the system admin's pages ------------------------------------------------------


def retention_runs_for(user):
    _require_admin(user)
    return RetentionRun.objects.select_related("planned_by", "confirmed_by")


def waiting_run_for(user) -> RetentionRun | None:
    return retention_runs_for(user).filter(status=RetentionRun.Status.PLANNED).first()


def get_run_for(user, run_id) -> RetentionRun:
    return get_object_or_404(retention_runs_for(user), pk=run_id)


def active_holds_for(user):
    _require_admin(user)
    return LegalHold.objects.filter(released_at__isnull=True).select_related(
        "client", "client__owning_agency", "set_by"
    )


def get_active_hold_for(user, hold_id) -> LegalHold:
    return get_object_or_404(active_holds_for(user), pk=hold_id)


def client_by_reference_for_hold(user, reference) -> Client | None:
    """The client with this reference code (the system admin holds records of every agency)."""
    _require_admin(user)
    return Client.objects.filter(reference=(reference or "").strip().upper()).select_related("owning_agency").first()
