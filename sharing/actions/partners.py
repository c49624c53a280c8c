"""The partner directory: contacts, suspension and reinstatement of partner agencies.

An agency's own verification is ``hmis.actions.record_agency_verification``
(the agency record is the hmis app's); the partner page calls it too.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from hmis import actions as hmis_actions
from hmis import permissions
from hmis.audit import acting_as
from hmis.models import Agency
from sharing.actions._common import require
from sharing.actions.shares import sync_grant
from sharing.models import PartnerContact, Share


@transaction.atomic
def add_partner_contact(*, acting_user, agency, name, role_title="", phone="", email=""):
    require(acting_user, permissions.MANAGE_PARTNERS)
    contact = PartnerContact(
        agency=agency, name=name.strip(), role_title=role_title.strip(), phone=phone.strip(), email=email.strip()
    )
    contact.full_clean()
    with acting_as(acting_user):
        contact.save()
    return contact


@transaction.atomic
def verify_partner_contact(*, acting_user, contact, method):
    """The system admin confirms a contact is who they say (e.g. a call-back to the agency's number on file)."""
    require(acting_user, permissions.MANAGE_PARTNERS)
    if not (method or "").strip():
        raise ValidationError({"verification_method": "Say how the contact was verified."})
    contact.verified_at = timezone.now()
    contact.verified_by = acting_user
    contact.verification_method = method.strip()[:200]
    with acting_as(acting_user):
        contact.save()
    return contact


@transaction.atomic
def suspend_partner(*, acting_user, agency, reason):
    """Suspend an agency, saying why: it can receive no share, and loses access to the ones it holds at once."""
    require(acting_user, permissions.MANAGE_PARTNERS)
    if agency.kind == Agency.Kind.LEAD:
        raise ValidationError("The HMIS lead organisation cannot be suspended here.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the agency is suspended."})
    hmis_actions.update_agency(
        acting_user=acting_user, agency=agency, status=Agency.Status.SUSPENDED, suspension_reason=reason[:500]
    )
    clients = {s.client for s in Share.objects.filter(to_agency=agency, status__in=Share.LIVE).select_related("client")}
    for client in clients:
        sync_grant(client=client, agency=agency, acting_user=acting_user)
    return agency


@transaction.atomic
def reinstate_partner(*, acting_user, agency):
    require(acting_user, permissions.MANAGE_PARTNERS)
    hmis_actions.update_agency(acting_user=acting_user, agency=agency, status=Agency.Status.ACTIVE)
    clients = {s.client for s in Share.objects.filter(to_agency=agency, status__in=Share.LIVE).select_related("client")}
    for client in clients:
        sync_grant(client=client, agency=agency, acting_user=acting_user)
    return agency
