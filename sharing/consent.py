"""The consent gate: the only place that decides whether a disclosure of a
client's data is covered by the client's consent.

Every disclosure (a share sent or opened, an outside disclosure) asks
``check_consent`` first and refuses when ``allowed`` is false.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from sharing.models import CATEGORY_SHORT, DataCategory, Purpose, Release, normalize_recipient, recipient_index


@dataclass(frozen=True)
class ConsentAnswer:
    allowed: bool
    release: Release | None
    reason: str  # plain language; when refused, what is missing

    def __bool__(self):
        return self.allowed


def _words(categories, purpose) -> str:
    names = [CATEGORY_SHORT[DataCategory(c)] for c in categories]
    return ", ".join([*names, Purpose(purpose).label])


def check_consent(
    *, client, categories, purpose, recipient_agency=None, outside_recipient=None, at=None, disclosing_agency=None
):
    """Does an active release of ``client`` cover giving ``categories`` to
    ``recipient_agency`` (an ``hmis.Agency``) or ``outside_recipient`` (a
    name outside HMIS) for ``purpose``, at the moment ``at`` (default now)?

    Only the agency that holds the client's record discloses it, and only
    under a release it obtained itself: ``disclosing_agency`` (an agency or
    its id; default the record's agency) must be the client's owning agency,
    and a release obtained by any other agency never counts.

    Covered means: the release is active now (a revoked, expired, denied or
    pending release never covers anything, so revocation takes effect at
    once); ``effective_at <= at < expires_at`` (so a release stops covering
    at the exact moment of its expiry, before the expiry job records it);
    it lists every one of ``categories`` and ``purpose``; and it names the
    recipient: a care-coordination release names the agency or "all verified
    partners", an additional release names the agency or the outside
    recipient (matched ignoring case and spacing, through its blind index). An agency must also be a
    verified, active partner when asked.

    Exactly one database query (the partial index ``release_gate_idx`` on the
    client's active releases, then the GIN-indexed arrays). Returns the
    release that covers it (the one expiring last), or the reason it is refused.
    """
    categories = sorted(set(categories or []))
    if not categories:
        raise ValueError("check_consent needs at least one data category")
    unknown = set(categories) - set(DataCategory.values)
    if unknown:
        raise ValueError(f"unknown data categories: {sorted(unknown)}")
    if purpose not in Purpose.values:
        raise ValueError(f"unknown purpose: {purpose!r}")
    if (recipient_agency is None) == (outside_recipient is None):
        raise ValueError("give exactly one of recipient_agency and outside_recipient")
    at = at or timezone.now()

    if recipient_agency is not None:
        recipient_label = recipient_agency.name
        names_recipient = Q(recipient_agency_ids__contains=[recipient_agency.pk]) | Q(
            kind=Release.Kind.CARE_COORDINATION, all_partners=True
        )
    else:
        wanted = normalize_recipient(outside_recipient)
        if not wanted:
            raise ValueError("outside_recipient must name someone")
        recipient_label = " ".join(str(outside_recipient).split())
        names_recipient = Q(kind=Release.Kind.ADDITIONAL, outside_recipient_key=recipient_index(wanted))

    record_agency_id = client.owning_agency_id
    if disclosing_agency is not None and getattr(disclosing_agency, "pk", disclosing_agency) != record_agency_id:
        return ConsentAnswer(
            False, None, "Only the agency that holds the client's record may share it, under its own release."
        )

    candidates = Release.objects.filter(
        names_recipient,
        client_id=client.pk,
        obtaining_agency_id=record_agency_id,
        status=Release.Status.ACTIVE,
        effective_at__lte=at,
        expires_at__gt=at,
        categories__contains=categories,
        purposes__contains=[purpose],
    ).order_by("-expires_at", "pk")
    if recipient_agency is not None:
        release = candidates.first()
    else:
        # The truncated blind index may match another name: confirm on the decrypted one.
        release = next((r for r in candidates if normalize_recipient(r.outside_recipient_name) == wanted), None)
    words = _words(categories, purpose)
    if release is None:
        return ConsentAnswer(False, None, f"No active release covers {recipient_label} for {words}.")
    if recipient_agency is not None and not (
        recipient_agency.kind == recipient_agency.Kind.PARTNER and recipient_agency.can_receive_shares
    ):
        return ConsentAnswer(
            False, None, f"{recipient_label} is not a verified, active partner agency: nothing may be shared with it."
        )
    return ConsentAnswer(True, release, f"Release {release.pk} covers {recipient_label} for {words}.")
