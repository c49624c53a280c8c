"""factory_boy factories for every model. Users and agencies are made through
the real actions where the action is the only way in production."""

import factory
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from hmis import actions
from hmis.models import AccessEvent, Agency, Invitation, Role, SecurityEvent, User

PASSWORD = "correct horse battery staple"
# A fixed TOTP key (hex) so tests can compute the current code.
TOTP_KEY = "3132333435363738393031323334353637383930"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Agency {n}")
    slug = factory.Sequence(lambda n: f"agency-{n}")
    kind = Agency.Kind.PARTNER
    verified_at = factory.LazyFunction(timezone.now)
    verification_method = "Call-back to the number on file"
    group = factory.LazyAttribute(lambda o: Group.objects.get_or_create(name=f"agency:{o.slug}")[0])


class UserFactory(factory.django.DjangoModelFactory):
    """A staff user with a password and, unless ``totp=False``, a confirmed authenticator."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user-{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    first_name = "Test"
    last_name = "User"
    agency = factory.SubFactory(AgencyFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)
    agreement_version = factory.LazyFunction(lambda: settings.HMIS_USER_AGREEMENT_VERSION)
    privacy_training_on = factory.LazyFunction(timezone.localdate)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        self.save()
        if extracted:
            actions._set_roles(self, set(extracted))
            if Role.SYSTEM_ADMIN in extracted:
                User.objects.filter(pk=self.pk).update(is_staff=True)
                self.is_staff = True

    @factory.post_generation
    def totp(self, create, extracted, **kwargs):
        if extracted is False:
            return
        TOTPDevice.objects.get_or_create(
            user=self, name="Authenticator app", defaults={"key": TOTP_KEY, "confirmed": True}
        )


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    user = factory.SubFactory(UserFactory, totp=False)
    created_by = factory.SubFactory(UserFactory)
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(hours=72))


class SecurityEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SecurityEvent

    kind = SecurityEvent.Kind.LOGIN_FAILED
    user = factory.SubFactory(UserFactory)
    agency = factory.LazyAttribute(lambda o: o.user.agency if o.user else None)
    username = factory.LazyAttribute(lambda o: o.user.username if o.user else "")


class AccessEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessEvent

    actor = factory.SubFactory(UserFactory)
    actor_agency = factory.LazyAttribute(lambda o: o.actor.agency)
    action = AccessEvent.Action.VIEW
    subject_type = "clients.client"
    subject_id = factory.Faker("uuid4", cast_to=None)
