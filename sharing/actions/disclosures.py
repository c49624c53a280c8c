"""The disclosure log: disclosures outside HMIS under the client's additional release."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from clients import queries as client_queries
from hmis import permissions
from hmis.audit import acting_as, record_access
from hmis.models import AccessEvent
from sharing import access
from sharing.actions._common import require
from sharing.models import DataCategory, Purpose, Release


@transaction.atomic
def record_disclosure(*, acting_user, client, release, categories, purpose, method, disclosed_at=None, description=""):
    """Record a disclosure outside HMIS, made under the client's additional
    release that names the recipient. The gate must cover the outside
    recipient, every category and the purpose at the time of disclosure;
    otherwise nothing is saved. Written as a ``Disclosure`` row and a
    ``DISCLOSURE`` access event (the client's accounting of disclosures)."""
    from sharing.models import Disclosure

    require(acting_user, permissions.RECORD_DISCLOSURES)
    client = client_queries.get_client_for(acting_user, client.pk)
    if client.owning_agency_id != acting_user.agency_id:
        raise Http404
    errors = {}
    if (
        release is None
        or release.client_id != client.pk
        or release.obtaining_agency_id != client.owning_agency_id
        or release.kind != Release.Kind.ADDITIONAL
        or not release.outside_recipient_key
    ):
        errors["release"] = "Choose the client's additional release that names the outside recipient."
    categories = sorted(set(categories or ()))
    if not categories or set(categories) - set(DataCategory.values):
        errors["categories"] = "Choose what was disclosed."
    if purpose not in Purpose.values:
        errors["purpose"] = "Choose the purpose of the disclosure."
    if method not in Disclosure.Method.values:
        errors["method"] = "Choose how it was disclosed."
    now = timezone.now()
    disclosed_at = disclosed_at or now
    if disclosed_at > now:
        errors["disclosed_at"] = "A disclosure cannot be recorded in the future."
    if errors:
        raise ValidationError(errors)
    answer = access.check_consent_outside(
        client=client,
        categories=categories,
        purpose=purpose,
        recipient=release.outside_recipient_name,
        disclosing_agency=acting_user.agency_id,
        at=disclosed_at,
    )
    if not answer.allowed:
        raise ValidationError(answer.reason, code="consent")
    disclosure = Disclosure(
        client=client,
        release=answer.release,
        agency=acting_user.agency,
        recipient=release.outside_recipient_name,
        categories=categories,
        purpose=purpose,
        method=method,
        description=(description or "").strip(),
        disclosed_at=disclosed_at,
        recorded_by=acting_user,
    )
    disclosure.full_clean()
    with acting_as(acting_user):
        disclosure.save()
        record_access(
            actor=acting_user,
            action=AccessEvent.Action.DISCLOSURE,
            subject=client,
            fields=categories,
            reason=AccessEvent.Reason.CLIENT_REQUEST,
            reason_text=f"To {release.outside_recipient_name} for {Purpose(purpose).label}",
            detail=f"Disclosure {disclosure.pk} under release {answer.release.pk}",
        )
    return disclosure
