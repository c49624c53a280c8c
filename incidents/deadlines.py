"""Notification deadlines as data: each rule says who must be told, within how
many days of discovery, and when it applies.

Sources: HIPAA Breach Notification Rule (45 CFR 164.404-408: individuals
without unreasonable delay and no later than 60 days after discovery; HHS and
prominent media as well when 500 or more are affected) and Washington's
breach law (RCW 19.255.010: residents within 30 days; the Attorney General
too when more than 500 Washington residents are affected). Add a rule here,
not a constant in a template.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from incidents.models import BreachNotice, Determination, Incident

Audience = BreachNotice.Audience


@dataclass(frozen=True)
class DeadlineRule:
    key: str
    name: str
    days: int
    applies: Callable[[Incident], bool]
    # Who must have been told (a ``BreachNotice`` for each) to meet the rule.
    audiences: tuple = (Audience.AFFECTED_PEOPLE,)


def _affected(incident):
    return incident.affected_count > 0


def _in_washington(incident):
    return incident.affected_state.upper() == "WA" and _affected(incident)


RULES = [
    DeadlineRule("hipaa_individuals", "HIPAA: notify the affected individuals", 60, _affected),
    DeadlineRule(
        "hipaa_hhs_media",
        "HIPAA: notify HHS and prominent media (500 or more affected)",
        60,
        lambda i: i.affected_count >= 500,
        (Audience.HHS, Audience.MEDIA),
    ),
    DeadlineRule("wa_residents", "Washington (RCW 19.255.010): notify affected residents", 30, _in_washington),
    DeadlineRule(
        "wa_attorney_general",
        "Washington: notify the Attorney General (more than 500 residents)",
        30,
        lambda i: _in_washington(i) and i.affected_count > 500,
        (Audience.STATE_AG,),
    ),
]


@dataclass(frozen=True)
class Deadline:
    rule: DeadlineRule
    due_at: datetime
    # True while the breach determination is still open: the clock runs from
    # discovery whatever the outcome, so the countdown is shown already.
    provisional: bool
    remaining: timedelta
    # Audiences of the rule with no notification recorded yet (empty: met).
    missing: tuple = ()

    @property
    def met(self):
        return not self.missing and not self.provisional

    @property
    def overdue(self):
        return not self.met and self.remaining.total_seconds() < 0

    @property
    def countdown(self):
        seconds = int(abs(self.remaining.total_seconds()))
        days, rest = divmod(seconds, 86400)
        hours = rest // 3600
        text = f"{days} day{'s' if days != 1 else ''} {hours} h"
        if self.met:
            return "notified (recorded)"
        return f"overdue by {text}" if self.overdue else f"{text} left"

    @property
    def missing_labels(self):
        return [Audience(a).label for a in self.missing]


def deadlines_for(incident, *, now=None) -> list[Deadline]:
    """The deadlines that apply to ``incident``: none when it is not a breach."""
    if incident.determination == Determination.NOT_BREACH:
        return []
    now = now or timezone.now()
    provisional = incident.determination == Determination.UNDETERMINED
    rules = [rule for rule in RULES if rule.applies(incident)]
    if provisional and not rules:
        rules = [RULES[0]]  # the clock runs from discovery while the assessment is open
    # .all() so that a list of incidents prefetches the notices (one query, not one per incident).
    recorded = {notice.audience for notice in incident.breach_notices.all()} if incident.pk else set()
    result = []
    for rule in rules:
        due = incident.discovered_at + timedelta(days=rule.days)
        missing = tuple(a for a in rule.audiences if a not in recorded)
        result.append(Deadline(rule, due, provisional, due - now, missing))
    return result


def unrecorded_notifications(incident) -> list[str]:
    """For a confirmed breach: each required notification with no record yet."""
    if incident.determination != Determination.BREACH:
        return []
    return [
        f"Record the notification of {label.lower()} ({deadline.rule.name})."
        for deadline in deadlines_for(incident)
        for label in deadline.missing_labels
    ]
