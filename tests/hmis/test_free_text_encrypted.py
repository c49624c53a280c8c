"""Free text people type about a client or a disclosure is encrypted at rest,
and the audit log records only that it changed (issue 10, item 6)."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from hmis.audit import ENCRYPTED_MARK
from hmis.models import AccessEvent
from incidents import actions as incident_actions
from incidents.models import CorrectiveAction, Determination, Incident, TimelineEntry
from sharing import actions as sharing_actions
from sharing.models import DataCategory, Disclosure, Purpose, Release, ReleaseStatusChange, Share
from tests.builders.clients import make_client
from tests.builders.sharing import care_release, housing_share, outside_release, record

pytestmark = pytest.mark.django_db

SEEN = "printout for Rosa Alvarez left on the shared printer"
CANARY = "Quokka"  # in every typed value below; must never be stored or audited in the clear


def raw_value(obj, field_name):
    """The value as the database holds it, read with SQL (no model field in between)."""
    column = obj._meta.get_field(field_name).column
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{obj._meta.db_table}" WHERE id = %s', [obj.pk])
        (value,) = cursor.fetchone()
    return value


def audit_changes(obj, field_name):
    return [e.changes_dict[field_name] for e in LogEntry.objects.get_for_object(obj) if field_name in e.changes_dict]


def assert_sealed(obj, field_name, typed, *, audited=True):
    """Stored encrypted (no canary, not the typed text) and audited only as changed."""
    obj.refresh_from_db()
    assert getattr(obj, field_name) == typed  # the page still reads it
    raw = raw_value(obj, field_name)
    assert raw and raw != typed and CANARY.lower() not in raw.lower(), (obj._meta.label, field_name)
    if audited:
        changes = audit_changes(obj, field_name)
        assert changes, (obj._meta.label, field_name, "no audit entry")
        assert all(value == ENCRYPTED_MARK for pair in changes for value in pair if value), changes
        dump = " ".join(str(e.changes) + e.object_repr for e in LogEntry.objects.get_for_object(obj))
        assert CANARY not in dump


def test_seen_incident_description_naming_a_client_is_not_stored_or_audited_in_plaintext(
    client_for, intake, security_officer
):
    now = timezone.localtime()
    response = client_for(intake).post(
        reverse("incidents:report"),
        {
            "category": "pii_in_view",
            "occurred_at": (now - datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "discovered_at": (now - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "description": SEEN,
        },
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    raw = raw_value(incident, "description")
    assert "Rosa" not in raw and "Alvarez" not in raw and "printer" not in raw
    dump = " ".join(str(e.changes) for e in LogEntry.objects.all())
    assert "Alvarez" not in dump
    audited = {value for pair in audit_changes(incident, "description") for value in pair}
    assert ENCRYPTED_MARK in audited and audited <= {ENCRYPTED_MARK, "None", None}
    # The security officer still reads it on the incident page.
    page = client_for(security_officer).get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "Rosa Alvarez" in page


def test_incident_summary_waiver_corrective_action_and_timeline_are_sealed(intake, security_officer, system_admin):
    incident = incident_actions.report_incident(
        acting_user=intake,
        category="lost_device",
        occurred_at=timezone.now() - datetime.timedelta(hours=3),
        discovered_at=timezone.now() - datetime.timedelta(hours=1),
        description=f"Phone lost with {CANARY} notes",
    )
    assert_sealed(incident, "description", f"Phone lost with {CANARY} notes")
    summary = f"Remote wipe done for {CANARY} device"
    incident_actions.record_assessment(
        acting_user=security_officer,
        incident=incident,
        determination=Determination.NOT_BREACH,
        affected_count=0,
        affected_state="WA",
        summary=summary,
    )
    assert_sealed(incident, "summary", summary)
    what = f"Retrain {CANARY} on device locks"
    action = incident_actions.add_corrective_action(
        acting_user=security_officer,
        incident=incident,
        what=what,
        owner=security_officer,
        due_on=timezone.localdate() + datetime.timedelta(days=7),
    )
    assert_sealed(CorrectiveAction.objects.get(pk=action.pk), "what", what)
    note_entry = TimelineEntry.objects.filter(incident=incident, kind=TimelineEntry.Kind.ACTION_ADDED).get()
    assert_sealed(note_entry, "note", note_entry.note)
    waiver = f"{CANARY} training booked; closing now"
    incident_actions.waive_corrective_actions(acting_user=system_admin, incident=incident, text=waiver)
    assert_sealed(incident, "waiver", waiver)


def test_release_witness_outside_recipient_and_reasons_are_sealed(intake, supervisor):
    client = make_client(intake)
    release = record(
        intake,
        client,
        kind=Release.Kind.ADDITIONAL,
        witness_name=f"Pat {CANARY}",
        outside_recipient_name=f"Dr {CANARY} Clinic",
        outside_recipient_contact="555-0142",
    )
    assert_sealed(release, "witness_name", f"Pat {CANARY}")
    assert_sealed(release, "outside_recipient_name", f"Dr {CANARY} Clinic")
    key = raw_value(release, "outside_recipient_key")
    assert key and CANARY.lower() not in key.lower() and "clinic" not in key
    denied = sharing_actions.deny_release(acting_user=supervisor, release=release, reason=f"Wrong {CANARY} form")
    assert_sealed(denied, "decision_reason", f"Wrong {CANARY} form")
    change = ReleaseStatusChange.objects.get(subject=release, to_status=Release.Status.DENIED)
    assert_sealed(change, "note", f"Wrong {CANARY} form")

    active = outside_release(intake, supervisor, client, f"Dr {CANARY} Clinic")
    revoked = sharing_actions.revoke_release(acting_user=intake, release=active, reason=f"{CANARY} asked us to stop")
    assert_sealed(revoked, "end_reason", f"{CANARY} asked us to stop")


def test_share_justification_notes_and_end_reason_are_sealed(intake, supervisor, eastside, other_intake):
    client = make_client(intake)
    care_release(intake, supervisor, client, eastside, categories=[*DataCategory.values])
    justification = f"{CANARY} needs a disability-accessible unit"
    share = housing_share(
        intake,
        client,
        eastside,
        categories=[DataCategory.IDENTITY, DataCategory.HEALTH_DISABILITY],
        justification=justification,
    )
    assert_sealed(share, "justification", justification)
    sharing_actions.accept_share(acting_user=other_intake, share=share, note=f"Accepted for {CANARY}")
    assert_sealed(Share.objects.get(pk=share.pk), "response_note", f"Accepted for {CANARY}")
    sharing_actions.withdraw_share(acting_user=intake, share=share, note=f"{CANARY} housed")
    assert_sealed(Share.objects.get(pk=share.pk), "end_reason", f"{CANARY} housed")
    change = share.status_changes.get(to_status=Share.Status.WITHDRAWN)
    assert_sealed(change, "note", f"{CANARY} housed", audited=False)  # a record itself, not audited

    declined = housing_share(intake, client, eastside)
    sharing_actions.decline_share(acting_user=other_intake, share=declined, note=f"No room for {CANARY}")
    assert_sealed(Share.objects.get(pk=declined.pk), "response_note", f"No room for {CANARY}")


def test_disclosure_recipient_and_access_event_text_are_sealed(intake, supervisor):
    client = make_client(intake)
    release = outside_release(intake, supervisor, client, f"{CANARY} Legal Aid")
    disclosure = sharing_actions.record_disclosure(
        acting_user=intake,
        client=client,
        release=release,
        categories=[DataCategory.IDENTITY],
        purpose=Purpose.HOUSING_PLACEMENT,
        method=Disclosure.Method.PHONE,
    )
    assert_sealed(disclosure, "recipient", f"{CANARY} Legal Aid")
    event = AccessEvent.objects.get(action=AccessEvent.Action.DISCLOSURE)
    assert event.reason_text == f"To {CANARY} Legal Aid for housing placement"
    assert_sealed(event, "reason_text", event.reason_text, audited=False)


def test_outside_recipient_is_matched_through_its_blind_index(intake, supervisor):
    """Case and spacing still do not matter, and another name is not a match."""
    from sharing.access import check_consent_outside

    client = make_client(intake)
    outside_release(intake, supervisor, client, "Seattle  Legal Aid")
    asked = {
        "client": client,
        "categories": [DataCategory.IDENTITY],
        "purpose": Purpose.HOUSING_PLACEMENT,
        "disclosing_agency": intake.agency,
    }
    assert check_consent_outside(**asked, recipient="seattle legal aid").allowed
    assert not check_consent_outside(**asked, recipient="Tacoma Legal Aid").allowed
