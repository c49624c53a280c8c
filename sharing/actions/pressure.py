"""Pressure to share: a one-click report to the agency's supervisors, reviewed or turned into an incident."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from hmis import permissions
from hmis.actions import notify, record_security_event
from hmis.audit import acting_as
from hmis.models import SecurityEvent
from hmis.queries import users_holding
from sharing.actions._common import require
from sharing.models import PressureReport


@transaction.atomic
def report_pressure(*, acting_user, note=""):
    """One click: "someone is pushing for access". Goes to the agency's
    supervisors (in-app and e-mail, no PII) and is logged as a security event."""
    require(acting_user, permissions.REPORT_PRESSURE)
    report = PressureReport(agency=acting_user.agency, reported_by=acting_user, note=(note or "").strip())
    report.full_clean()
    with acting_as(acting_user):
        report.save()
        report.security_event = record_security_event(
            kind=SecurityEvent.Kind.PRESSURE_REPORT,
            user=acting_user,
            actor=acting_user,
            agency=acting_user.agency,
            detail=f"Pressure-to-share report {report.reference}",
        )
        report.save(update_fields=["security_event"])
        supervisors = users_holding(permissions.REVIEW_PRESSURE, agency=acting_user.agency).exclude(pk=acting_user.pk)
        notify(
            recipients=supervisors,
            text=(
                f"Pressure-to-share report {report.reference} from {acting_user.username}: "
                "someone is pushing for access to client data. Talk with them."
            ),
            link=reverse("sharing:pressure-detail", args=[report.pk]),
        )
    return report


def _supervised_report(acting_user, report):
    require(acting_user, permissions.REVIEW_PRESSURE)
    if report.agency_id != acting_user.agency_id:
        raise Http404


@transaction.atomic
def review_pressure_report(*, acting_user, report, note=""):
    _supervised_report(acting_user, report)
    locked = PressureReport.objects.select_for_update().get(pk=report.pk)
    if locked.reviewed_at is not None:
        raise ValidationError("This report was already reviewed.")
    locked.reviewed_by = acting_user
    locked.reviewed_at = timezone.now()
    locked.review_note = (note or "").strip()[:500]
    with acting_as(acting_user):
        locked.save()
    return locked


@transaction.atomic
def open_incident_from_pressure_report(*, acting_user, report):
    """A supervisor turns a pressure report into an incident (suspicious access request)."""
    from incidents import actions as incident_actions

    _supervised_report(acting_user, report)
    locked = PressureReport.objects.select_for_update(of=("self",)).select_related("security_event").get(pk=report.pk)
    if locked.incident_id:
        raise ValidationError("An incident was already opened for this report.")
    from incidents.models import Category

    with acting_as(acting_user):
        # A pattern of reports may already have opened one: link to it.
        incident, _created = incident_actions.open_incident_from_security_event(
            event=locked.security_event,
            rule="pressure_report",
            category=Category.SUSPICIOUS_ACCESS_REQUEST,
            description=f"Opened by {acting_user.username} from pressure-to-share report {locked.reference}.",
        )
        locked.incident_id = incident.pk
        if locked.reviewed_at is None:
            locked.reviewed_by = acting_user
            locked.reviewed_at = timezone.now()
        locked.save()
    return incident
