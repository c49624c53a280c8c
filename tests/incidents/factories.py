"""factory_boy factories for the incidents models (for data the actions do not make)."""

from datetime import timedelta

import factory
from django.utils import timezone

from incidents.models import Category, CorrectiveAction, Incident, Notification, RecipientRole, TimelineEntry
from tests.factories import AgencyFactory, UserFactory


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    reference = factory.Sequence(lambda n: f"INC-1999-{n:05d}")
    agency = factory.SubFactory(AgencyFactory)
    reporter = factory.SubFactory(UserFactory, agency=factory.SelfAttribute("..agency"))
    category = Category.PHISHING
    occurred_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=2))
    discovered_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    description = "A message asked for HMIS passwords."


class TimelineEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimelineEntry

    incident = factory.SubFactory(IncidentFactory)
    kind = TimelineEntry.Kind.REPORTED


class CorrectiveActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CorrectiveAction

    incident = factory.SubFactory(IncidentFactory)
    what = "Remind staff how to recognise phishing"
    owner = factory.SelfAttribute("incident.reporter")
    created_by = factory.SelfAttribute("incident.reporter")
    due_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=7))


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    incident = factory.SubFactory(IncidentFactory)
    role = RecipientRole.VENDOR_SUPPORT
    address = factory.Sequence(lambda n: f"recipient-{n}@example.org")
    message_id = factory.Sequence(lambda n: f"<test-{n}@example.org>")
