"""A demo incident for harbor's security officer to triage (called by ``seed_demo``).

Idempotent: added only while harbor has no incident. Made with the real action,
so its escalation e-mails are queued like any other report.
"""

from datetime import timedelta

from django.utils import timezone

from hmis.models import User
from incidents import actions
from incidents.models import Category, Incident


def seed(admin):
    reporter = User.objects.filter(username="harbor-intake").first()
    if reporter is None or Incident.objects.filter(agency=reporter.agency).exists():
        return
    now = timezone.now()
    actions.report_incident(
        acting_user=reporter,
        category=Category.LOST_DEVICE,
        occurred_at=now - timedelta(hours=20),
        discovered_at=now - timedelta(hours=2),
        description="Agency laptop left on the bus after an outreach shift. It was locked; HMIS was signed out.",
    )
