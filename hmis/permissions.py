"""The permission registry: every permission, what it allows, and which roles
hold it. ``has_permission`` and ``@requires`` read it, and so does
``hmis.queries.users_holding`` (to notify everyone holding a permission).

Views declare what they need with ``@requires(...)`` (or ``@public`` for the
short list of pages anyone may open). ``RequireSecondFactorMiddleware``
refuses to run a view that declared neither, so a new view fails closed.
Object-level rules (which agency, which client) live in each app's
``queries`` and ``actions``; this registry answers "may this role do this
kind of thing at all".
"""

from dataclasses import dataclass
from functools import wraps

from django.core.exceptions import PermissionDenied

from hmis.models import Role

ALL_ROLES = frozenset(Role.values)
STAFF = frozenset({Role.INTAKE, Role.SUPERVISOR})


@dataclass(frozen=True)
class Permission:
    code: str
    description: str
    roles: frozenset


_REGISTRY: dict[str, Permission] = {}


def define(code: str, description: str, roles) -> str:
    if code in _REGISTRY:
        raise ValueError(f"permission {code} defined twice")
    _REGISTRY[code] = Permission(code, description, frozenset(roles))
    return code


def registry() -> dict[str, Permission]:
    return dict(_REGISTRY)


# Any signed-in, second-factor-verified user with at least one role.
SIGNED_IN = define("signed_in", "Use the application at all", ALL_ROLES)
MANAGE_USERS = define(
    "users.manage",
    "Invite users, assign roles and deactivate users of the agency",
    {Role.AGENCY_LEAD, Role.SYSTEM_ADMIN},
)
MANAGE_AGENCIES = define("agencies.manage", "Create agencies and edit their settings", {Role.SYSTEM_ADMIN})
EDIT_AGENCY_CONTACT = define(
    "agency.contact",
    "Edit how clients reach the agency and how they complain (printed on the client's copy of their record)",
    {Role.AGENCY_LEAD},
)
VIEW_SECURITY_EVENTS = define(
    "security.view",
    "See the agency's security events (lockouts, ended sessions, refused networks)",
    {Role.SECURITY_OFFICER, Role.SYSTEM_ADMIN},
)
UNLOCK_ACCOUNTS = define(
    "security.unlock",
    "Unlock an account of the agency after a lockout",
    {Role.SECURITY_OFFICER, Role.SYSTEM_ADMIN},
)
REPORT_INCIDENTS = define("incidents.report", "Report a security incident and follow one's own reports", ALL_ROLES)
VIEW_INCIDENTS = define(
    "incidents.view",
    "See the agency's incidents (the system admin: every agency's)",
    {Role.SECURITY_OFFICER, Role.AGENCY_LEAD, Role.SYSTEM_ADMIN},
)
ACKNOWLEDGE_INCIDENTS = define(
    "incidents.acknowledge",
    "Acknowledge an incident escalation addressed to you",
    {Role.SECURITY_OFFICER, Role.AGENCY_LEAD, Role.SYSTEM_ADMIN},
)
TRIAGE_INCIDENTS = define(
    "incidents.triage",
    "Triage incidents: severity, assignee, status, breach determination, corrective actions",
    {Role.SECURITY_OFFICER, Role.SYSTEM_ADMIN},
)
WAIVE_CORRECTIVE_ACTIONS = define(
    "incidents.waive", "Waive open corrective actions in writing so an incident can close", {Role.SYSTEM_ADMIN}
)
MANAGE_PASSKEY_POLICY = define(
    "security.passkey_policy",
    "Set which roles, at every agency or one agency, must sign in with a passkey, and the grace period",
    {Role.SYSTEM_ADMIN},
)
USE_ADMIN_SITE = define("admin.use", "Use the Django admin site (read-mostly, for support)", {Role.SYSTEM_ADMIN})

# --- Clients (clients app). Which clients: clients.queries; these say what kind of access.
# Security officers and agency leads see their agency's clients masked (initials,
# birth year) and the access history, and cannot reveal: they hold VIEW_CLIENTS only.
VIEW_CLIENTS = define(
    "clients.view",
    "Open the agency's client records (masked; names only for case workers) and their access history",
    {Role.INTAKE, Role.SUPERVISOR, Role.SECURITY_OFFICER, Role.AGENCY_LEAD},
)
CREATE_CLIENTS = define("clients.create", "Search before create, create clients, enrol them and record intake", STAFF)
EDIT_CLIENTS = define("clients.edit", "Edit the records of the agency's own clients", STAFF)
REVEAL_CLIENT_PII = define(
    "clients.reveal", "Reveal one masked field of a client (SSN, birth date, contact) with a recorded reason", STAFF
)
SEE_CLIENT_NAMES = define("clients.names", "See clients' names (others see initials)", STAFF)
NAME_STAFF_ON_CONFIDENTIAL = define(
    "clients.confidential.staff",
    "Name (or remove) the colleagues who may see a confidential client one is named on",
    STAFF,
)
MANAGE_PROJECTS = define("clients.projects", "Add and close the agency's projects", {Role.SUPERVISOR, Role.AGENCY_LEAD})
VIEW_DATA_QUALITY = define(
    "clients.data_quality",
    "See the agency's data-quality counts (HUD's universal data elements) and the reference codes to fix",
    {Role.SUPERVISOR, Role.AGENCY_LEAD},
)

DECIDE_CORRECTIONS = define(
    "clients.corrections.decide",
    "Accept or refuse a client's request to correct their record (never one you recorded)",
    {Role.SUPERVISOR},
)
REVIEW_DUPLICATES = define(
    "clients.duplicates.review",
    "Review and merge possible duplicate clients: a supervisor within the agency, the system admin across agencies",
    {Role.SUPERVISOR, Role.SYSTEM_ADMIN},
)
UNDO_MERGES = define(
    "clients.merges.undo", "Undo a merge of duplicate client records (within HMIS_MERGE_UNDO_DAYS)", {Role.SYSTEM_ADMIN}
)
MANAGE_RETENTION = define(
    "clients.retention",
    "See how many records the retention policy would de-identify per agency, confirm the run, and set or release "
    "legal holds",
    {Role.SYSTEM_ADMIN},
)

# --- Consent releases (sharing app). Which releases: sharing.queries (those on the
# clients whose record the user's agency holds and the user may see). Security officers and leads see no
# release metadata (scope can reveal health or benefits): they read the audit trail.
VIEW_RELEASES = define(
    "releases.view", "See a client's releases of information, their evidence and printable summary", STAFF
)
RECORD_RELEASES = define("releases.record", "Record a client's release of information (pending approval)", STAFF)
DECIDE_RELEASES = define(
    "releases.decide", "Approve or deny a pending release (never one you recorded)", {Role.SUPERVISOR}
)
REVOKE_RELEASES = define("releases.revoke", "Revoke an active release at the client's request", STAFF)


# --- Care-coordination sharing (sharing app): partners, referrals, external requests, pressure.
VIEW_PARTNERS = define("partners.view", "See the partner directory and each agency's verification", ALL_ROLES)
MANAGE_PARTNERS = define(
    "partners.manage", "Verify or suspend partner agencies and their contacts", {Role.SYSTEM_ADMIN}
)
SEND_SHARES = define("shares.send", "Send a referral (share) of one client to a verified partner agency", STAFF)
RECEIVE_SHARES = define(
    "shares.receive", "Open, accept or decline referrals sent to the agency (only the shared categories)", STAFF
)
RECORD_DISCLOSURES = define(
    "disclosures.record", "Record a disclosure outside HMIS under the client's additional release", STAFF
)
RECORD_EXTERNAL_REQUESTS = define(
    "external_requests.record", "Record a request for HMIS data from outside (routed to the HMIS lead)", ALL_ROLES
)
ANSWER_EXTERNAL_REQUESTS = define(
    "external_requests.answer", "Review, answer or decline external requests for HMIS data", {Role.SYSTEM_ADMIN}
)
REPORT_PRESSURE = define("pressure.report", "Report that someone is pushing for access to client data", ALL_ROLES)
REVIEW_PRESSURE = define(
    "pressure.review", "Review the agency's pressure-to-share reports and turn one into an incident", {Role.SUPERVISOR}
)


# --- HUD HMIS CSV interchange (clients.hmis_csv). Only the agency's own clients, projects, enrollments.
EXPORT_HMIS_CSV = define(
    "hmis_csv.export",
    "Export the agency's records in HUD's HMIS CSV (de-identified; with PII: a supervisor, a reason "
    "and a second person's approval)",
    {Role.SUPERVISOR, Role.AGENCY_LEAD},
)
APPROVE_HMIS_CSV_PII = define(
    "hmis_csv.approve_pii", "Approve a colleague's HMIS CSV export with PII", {Role.SUPERVISOR, Role.AGENCY_LEAD}
)
IMPORT_HMIS_CSV = define(
    "hmis_csv.import", "Import HUD HMIS CSV files into an agency", {Role.AGENCY_LEAD, Role.SYSTEM_ADMIN}
)


def has_permission(user, code: str) -> bool:
    perm = _REGISTRY[code]
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.role_names & perm.roles)


def check_permission(user, code: str) -> None:
    """Raise PermissionDenied unless ``user`` holds ``code``."""
    if not has_permission(user, code):
        raise PermissionDenied


def requires(code: str):
    """Decorate a view: the user must hold ``code``. Object checks come after, in the view."""
    if code not in _REGISTRY:
        raise ValueError(f"unknown permission {code}")

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            check_permission(request.user, code)
            return view(request, *args, **kwargs)

        wrapped.hmis_access = ("requires", code)
        return wrapped

    return decorator


def public(view):
    """Mark a view as open to anyone (sign-in steps, password set, health)."""
    view.hmis_access = ("public", None)
    return view


def standing_exempt(view):
    """A view for a verified user who may still owe the user agreement or training
    (the agreement page itself, the session heartbeat)."""
    view.hmis_access = ("standing_exempt", None)
    return view


def password_only(view):
    """A view for a user who passed the password but not yet the second factor."""
    view.hmis_access = ("password_only", None)
    return view


def enrolment_step(view):
    """A view that a user who signed in with a backup code and has no
    authenticator may still open (the gate sends them to set one up first)."""
    view.hmis_enrolment_step = True
    return view
