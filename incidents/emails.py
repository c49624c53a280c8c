"""The e-mails of the incidents app. They carry the reference, category,
severity, the agency's name and a link: never client data, never the
reporter's description (which is free text and could hold anything)."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone

from incidents.models import RecipientRole


def incident_link(incident):
    return settings.HMIS_BASE_URL + reverse("incidents:detail", args=[incident.pk])


def acknowledge_link(incident):
    return settings.HMIS_BASE_URL + reverse("incidents:acknowledge", args=[incident.pk])


def _facts(incident):
    reported = timezone.localtime(incident.reported_at).strftime("%Y-%m-%d %H:%M %Z")
    agency = incident.agency.name if incident.agency_id else "(no agency: account unknown)"
    return [
        f"Reference: {incident.reference}",
        f"Category: {incident.get_category_display()}",
        f"Severity: {incident.get_severity_display()}",
        f"Agency: {agency}",
        f"Reported: {reported}",
    ]


FOOTER = (
    "This message deliberately holds no client information and no description of the incident; "
    "the details are only in HMIS.\nNever reply with client information."
)


def escalation_message(notification):
    incident = notification.incident
    lines = [
        "An HMIS security incident was reported and is escalated to you.",
        "",
        *_facts(incident),
        f"You receive this as: {notification.get_role_display()}",
        "",
    ]
    if notification.role == RecipientRole.VENDOR_SUPPORT:
        # Vendor support has no HMIS account: no link it could not open.
        lines += [
            f"For details, contact {settings.HMIS_LEAD_NAME} at {settings.HMIS_LEAD_EMAIL} "
            "through an approved secure channel, quoting the reference.",
        ]
    else:
        lines += [
            f"Open the incident (sign in to HMIS first): {incident_link(incident)}",
            f"Acknowledge that you have it: {acknowledge_link(incident)}",
        ]
    if notification.role == RecipientRole.SYSTEM_ADMIN:
        lines.insert(0, "Nobody acknowledged this escalation after every reminder.\n")
    lines += ["", FOOTER]
    return EmailMessage(
        subject=f"[HMIS incident] {incident.reference} {incident.get_severity_display()}: "
        f"{incident.get_category_display()}",
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.address],
        headers={"Message-ID": notification.message_id, "Auto-Submitted": "auto-generated"},
    )


def _deadline_lines(incident):
    """The notification deadlines not yet met, counting down (rule names and dates only)."""
    from incidents.deadlines import deadlines_for

    lines = [
        f"Deadline: {d.rule.name}: due {timezone.localtime(d.due_at):%Y-%m-%d} ({d.countdown})"
        for d in deadlines_for(incident)
        if not d.met
    ]
    return ["", *lines] if lines else []


def reminder_message(incident, address, number):
    lines = [
        f"Reminder {number}: this HMIS incident escalation has not been acknowledged.",
        "",
        *_facts(incident),
        *_deadline_lines(incident),
        "",
        f"Acknowledge that you have it: {acknowledge_link(incident)}",
        "",
        FOOTER,
    ]
    return EmailMessage(
        subject=f"[HMIS incident] Reminder: {incident.reference} {incident.get_severity_display()} not acknowledged",
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={"Auto-Submitted": "auto-generated"},
    )
