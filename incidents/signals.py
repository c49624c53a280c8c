"""Turn the security events the core records into incidents (``incidents.rules``)."""

from django.dispatch import receiver

from hmis.signals import security_event_recorded
from incidents import actions


@receiver(security_event_recorded)
def apply_rules_to_security_event(sender, event, **kwargs):
    actions.apply_event_rules(event)
