"""The e-mails of the incidents app. They carry the reference, category,
severity, the agency's name and a link: never client data, never the
reporter's description (which is free text and could hold anything). Their
text is in templates/emails/incident_*.txt (see hmis/emails.py)."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse

from hmis.emails import render_email
from incidents.models import RecipientRole


def incident_link(incident):
    return settings.HMIS_BASE_URL + reverse("incidents:detail", args=[incident.pk])


def acknowledge_link(incident):
    return settings.HMIS_BASE_URL + reverse("incidents:acknowledge", args=[incident.pk])


def escalation_message(notification):
    incident = notification.incident
    subject, body = render_email(
        "incident_escalation",
        {
            "incident": incident,
            "notification": notification,
            # Vendor support has no HMIS account: no link it could not open.
            "for_vendor_support": notification.role == RecipientRole.VENDOR_SUPPORT,
            "nobody_acknowledged": notification.role == RecipientRole.SYSTEM_ADMIN,
            "incident_link": incident_link(incident),
            "acknowledge_link": acknowledge_link(incident),
            "lead_name": settings.HMIS_LEAD_NAME,
            "lead_email": settings.HMIS_LEAD_EMAIL,
        },
    )
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.address],
        headers={"Message-ID": notification.message_id, "Auto-Submitted": "auto-generated"},
    )


def reminder_message(incident, address, number):
    from incidents.deadlines import deadlines_for

    subject, body = render_email(
        "incident_reminder",
        {
            "incident": incident,
            "number": number,
            # The notification deadlines not yet met, counting down (rule names and dates only).
            "deadlines": [deadline for deadline in deadlines_for(incident) if not deadline.met],
            "acknowledge_link": acknowledge_link(incident),
        },
    )
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={"Auto-Submitted": "auto-generated"},
    )
