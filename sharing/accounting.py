""" "Who has seen or received your information": the accounting of disclosures
a client takes home with their copy (clients.views.records.client_copy).

Built from the referrals and outside disclosures recorded here and from the
access events of ``hmis``: every referral sent to a partner, every
disclosure outside HMIS, every opening of a referral and every reveal by
another agency, one by one; the owning agency's own routine use as counts
by month. One query per section.

Words are the client's (``gettext_lazy``): the page renders them in the
language the client chose. Staff usernames are not listed: the client is
told which agency, when and what.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from hmis.audit import access_history
from hmis.models import AccessEvent
from sharing.models import DataCategory, Disclosure, Purpose, Share

CATEGORY_WORDS = {
    DataCategory.IDENTITY: _("who you are: your name, date of birth and ID numbers"),
    DataCategory.CONTACT: _("how to reach you: phone, e-mail and address"),
    DataCategory.DEMOGRAPHICS: _("your race, ethnicity, gender and veteran status"),
    DataCategory.HOUSING_HISTORY: _("where you have lived and the programs you have been in"),
    DataCategory.ASSESSMENTS: _("the answers you gave in assessments"),
    DataCategory.HEALTH_DISABILITY: _("your health and any disability"),
    DataCategory.INCOME_BENEFITS: _("your income and benefits"),
}
PURPOSE_WORDS = {
    Purpose.HOUSING_PLACEMENT: _("finding you housing"),
    Purpose.COUNSELING: _("counseling"),
    Purpose.FOOD_ASSISTANCE: _("food assistance"),
    Purpose.UTILITY_ASSISTANCE: _("help with utility bills"),
    Purpose.CARE_COORDINATION: _("coordinating the services you receive"),
}
REFERRAL_STATUS_WORDS = {
    Share.Status.SENT: _("waiting for their answer"),
    Share.Status.ACCEPTED: _("accepted"),
    Share.Status.DECLINED: _("declined"),
    Share.Status.WITHDRAWN: _("stopped by us"),
    Share.Status.EXPIRED: _("ended"),
}
METHOD_WORDS = {
    Disclosure.Method.PHONE: _("by phone"),
    Disclosure.Method.IN_PERSON: _("in person"),
    Disclosure.Method.SECURE_PORTAL: _("through a secure website or encrypted file"),
    Disclosure.Method.MAIL: _("by mail"),
    Disclosure.Method.OTHER: _("by another safe way the agency approved"),
}
FIELD_WORDS = {
    "ssn": _("Social Security number"),
    "dob": _("date of birth"),
    "phone": _("phone number"),
    "email": _("e-mail address"),
    "last_permanent_address": _("last permanent address"),
}
# Routine use by the owning agency, counted by month in three columns.
LOOKED = (
    AccessEvent.Action.VIEW,
    AccessEvent.Action.REVEAL,
    AccessEvent.Action.SEARCH_MATCH,
    AccessEvent.Action.EVIDENCE_VIEW,
)
CHANGED = (AccessEvent.Action.CREATE, AccessEvent.Action.EDIT)


@dataclass
class Accounting:
    referrals: list = field(default_factory=list)
    outside: list = field(default_factory=list)
    referral_openings: list = field(default_factory=list)
    reveals_elsewhere: list = field(default_factory=list)
    own_use_by_month: list = field(default_factory=list)


def _words(mapping, values):
    return [mapping[v] for v in values if v in mapping]


def accounting_for(user, client) -> Accounting:
    """The accounting of ``client`` for the copy printed by ``user``, who must be
    of the agency that holds the record (else 404, as for a missing client)."""
    if not user.agency_id or client.owning_agency_id != user.agency_id:
        raise Http404
    owner = client.owning_agency_id
    events = access_history(client).order_by("at", "id")
    return Accounting(
        referrals=[
            {
                "at": share.sent_at,
                "agency": share.to_agency.name,
                "purpose": PURPOSE_WORDS.get(share.purpose, ""),
                "categories": _words(CATEGORY_WORDS, share.categories),
                "status": REFERRAL_STATUS_WORDS.get(share.status, ""),
            }
            for share in Share.objects.filter(client=client).select_related("to_agency").order_by("sent_at")
        ],
        # The outside recipient is the one the client named in their own release.
        outside=[
            {
                "at": disclosure.disclosed_at,
                "recipient": disclosure.recipient,
                "agency": disclosure.agency.name,
                "purpose": PURPOSE_WORDS.get(disclosure.purpose, ""),
                "categories": _words(CATEGORY_WORDS, disclosure.categories),
                "method": METHOD_WORDS.get(disclosure.method, ""),
            }
            for disclosure in Disclosure.objects.filter(client=client)
            .select_related("agency")
            .defer("description")
            .order_by("disclosed_at")
        ],
        referral_openings=[
            {"at": event.at, "agency": event.actor_agency.name if event.actor_agency else ""}
            for event in events.filter(action=AccessEvent.Action.SHARE_OPEN).defer("reason_text")
        ],
        reveals_elsewhere=[
            {
                "at": event.at,
                "agency": event.actor_agency.name if event.actor_agency else "",
                "fields": _words(FIELD_WORDS, event.fields),
            }
            for event in events.filter(action=AccessEvent.Action.REVEAL)
            .exclude(actor_agency_id=owner)
            .defer("reason_text")
        ],
        own_use_by_month=list(
            access_history(client)
            .filter(actor_agency_id=owner)
            .exclude(action=AccessEvent.Action.DISCLOSURE)
            .annotate(month=TruncMonth("at"))
            .values("month")
            .annotate(
                looked=Count("id", filter=Q(action__in=LOOKED)),
                changed=Count("id", filter=Q(action__in=CHANGED)),
                other=Count("id", filter=~Q(action__in=(*LOOKED, *CHANGED))),
            )
            .order_by("month")
        ),
    )
