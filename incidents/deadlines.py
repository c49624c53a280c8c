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

from incidents.models import Determination, Incident


@dataclass(frozen=True)
class DeadlineRule:
    key: str
    name: str
    days: int
    applies: Callable[[Incident], bool]


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
    ),
    DeadlineRule("wa_residents", "Washington (RCW 19.255.010): notify affected residents", 30, _in_washington),
    DeadlineRule(
        "wa_attorney_general",
        "Washington: notify the Attorney General (more than 500 residents)",
        30,
        lambda i: _in_washington(i) and i.affected_count > 500,
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

    @property
    def overdue(self):
        return self.remaining.total_seconds() < 0

    @property
    def countdown(self):
        seconds = int(abs(self.remaining.total_seconds()))
        days, rest = divmod(seconds, 86400)
        hours = rest // 3600
        text = f"{days} day{'s' if days != 1 else ''} {hours} h"
        return f"overdue by {text}" if self.overdue else f"{text} left"


def deadlines_for(incident, *, now=None) -> list[Deadline]:
    """The deadlines that apply to ``incident``: none when it is not a breach."""
    if incident.determination == Determination.NOT_BREACH:
        return []
    now = now or timezone.now()
    provisional = incident.determination == Determination.UNDETERMINED
    rules = [rule for rule in RULES if rule.applies(incident)]
    if provisional and not rules:
        rules = [RULES[0]]  # the clock runs from discovery while the assessment is open
    result = []
    for rule in rules:
        due = incident.discovered_at + timedelta(days=rule.days)
        result.append(Deadline(rule, due, provisional, due - now))
    return result
