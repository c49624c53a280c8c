"""Every write of the sharing app: one function per business action, one module per section.

Each takes keyword-only arguments (``acting_user`` where a person acts),
checks the permission and the object rule, validates with ``full_clean``,
writes inside one transaction under the acting user in django-auditlog,
records an access event where client data was touched, and enqueues work
with ``transaction.on_commit``. No value of a client record is logged or put
in a message. Callers use ``from sharing import actions`` and
``actions.approve_release(...)``; the names are re-exported here.
"""

from sharing.actions.disclosures import (
    record_disclosure,
)
from sharing.actions.external_requests import (
    move_external_request,
    record_external_request,
)
from sharing.actions.partners import (
    add_partner_contact,
    reinstate_partner,
    suspend_partner,
    verify_partner_contact,
)
from sharing.actions.pressure import (
    open_incident_from_pressure_report,
    report_pressure,
    review_pressure_report,
)
from sharing.actions.releases import (
    EXPIRY_REASON,
    REVOCATION_REASON,
    approve_release,
    default_expiry_date,
    deny_release,
    end_release,
    evidence_opened_by,
    expire_release,
    record_evidence_viewed,
    record_release,
    record_summary_printed,
    release_window,
    revoke_release,
    validate_dates,
)
from sharing.actions.shares import (
    SHARE_LIFETIME,
    accept_share,
    decline_share,
    default_categories,
    end_share_by_system,
    end_shares_of_release,
    expire_overdue_shares,
    record_share_opened,
    remove_stale_grants,
    reveal_shared_field,
    send_share,
    share_to_open,
    sync_grant,
    withdraw_share,
)

__all__ = [
    "EXPIRY_REASON",
    "REVOCATION_REASON",
    "SHARE_LIFETIME",
    "accept_share",
    "add_partner_contact",
    "approve_release",
    "decline_share",
    "default_categories",
    "default_expiry_date",
    "deny_release",
    "end_release",
    "end_share_by_system",
    "end_shares_of_release",
    "evidence_opened_by",
    "expire_overdue_shares",
    "expire_release",
    "move_external_request",
    "open_incident_from_pressure_report",
    "record_disclosure",
    "record_evidence_viewed",
    "record_external_request",
    "record_release",
    "record_share_opened",
    "record_summary_printed",
    "reinstate_partner",
    "release_window",
    "remove_stale_grants",
    "report_pressure",
    "reveal_shared_field",
    "review_pressure_report",
    "revoke_release",
    "send_share",
    "share_to_open",
    "suspend_partner",
    "sync_grant",
    "validate_dates",
    "verify_partner_contact",
    "withdraw_share",
]
