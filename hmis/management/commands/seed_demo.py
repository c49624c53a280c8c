"""Load demo agencies and one user per role, and print how to sign in.

Idempotent: running it again creates nothing twice. Each run prints the
remaining backup codes of every demo user (topping them up when fewer than
three are left), so a person can always pass the second factor.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken

from hmis import actions
from hmis.env import env_str
from hmis.models import Agency, Role, User

DEFAULT_DEMO_PASSWORD = "correct horse battery staple demo"
LEAD_SLUG = "hmis-lead"
PARTNERS = [
    ("harbor", "Harbor Family Services", "555-0110"),
    ("eastside", "Eastside Housing Collective", "555-0120"),
]
PERSONAS = [
    ("intake", Role.INTAKE, "Intake"),
    ("supervisor", Role.SUPERVISOR, "Supervisor"),
    ("security", Role.SECURITY_OFFICER, "Security"),
    ("lead", Role.AGENCY_LEAD, "Lead"),
]


class Command(BaseCommand):
    help = "Load demo agencies, users for every role and demo clients; print the sign-in details."

    def handle(self, *args, **options):
        password = env_str("HMIS_DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD)
        with transaction.atomic():
            admin = self._seed(password)
            self._seed_apps(admin)
        self._print(password)

    def _seed(self, password):
        _, admin = actions.bootstrap_system_admin(
            lead_name=settings.HMIS_LEAD_NAME,
            lead_slug=LEAD_SLUG,
            username="system-admin",
            email="system-admin@example.org",
            password=password,
        )
        for slug, name, phone in PARTNERS:
            agency = Agency.objects.filter(slug=slug).first()
            if agency is None:
                agency = actions.create_agency(acting_user=admin, name=name, slug=slug, phone=phone)
            if not agency.is_verified:
                actions.record_agency_verification(
                    acting_user=admin, agency=agency, method="Demo data: call-back to the number on file"
                )
            for suffix, role, label in PERSONAS:
                username = f"{slug}-{suffix}"
                if not User.objects.filter(username=username).exists():
                    actions.provision_user(
                        acting_user=admin,
                        agency=agency,
                        username=username,
                        first_name=slug.title(),
                        last_name=label,
                        email=f"{username}@example.org",
                        roles={role},
                        password=password,
                    )
        for user in User.objects.filter(username__in=self._usernames()):
            if StaticToken.objects.filter(device__user=user).count() < 3:
                actions.issue_backup_codes(user=user)
            # Nobody records their own training, the demo admin included (bootstrap records it).
            if not user.training_current() and user.pk != admin.pk:
                # Demo staff count as trained today (a lead records this for real staff).
                actions.record_privacy_training(acting_user=admin, user=user, completed_on=timezone.localdate())
        return admin

    def _seed_apps(self, admin):
        """Each app's ``demo.seed(admin)``, in dependency order."""
        from clients import demo as clients_demo
        from incidents import demo as incidents_demo
        from sharing import demo as sharing_demo

        for module in (clients_demo, sharing_demo, incidents_demo):
            module.seed(admin)

    @staticmethod
    def _usernames():
        return ["system-admin"] + [f"{slug}-{suffix}" for slug, _, _ in PARTNERS for suffix, _, _ in PERSONAS]

    def _print(self, password):
        out = self.stdout
        out.write("")
        out.write("Demo sign-in (every user has the same password):")
        out.write(f"  password: {password}")
        out.write("  second step: one backup code per sign-in (each works once), then set up an authenticator app")
        for username in self._usernames():
            user = User.objects.get(username=username)
            codes = StaticToken.objects.filter(device__user=user).order_by("id").values_list("token", flat=True)
            out.write(f"  {username:<20} {', '.join(list(codes)[:5])}")
