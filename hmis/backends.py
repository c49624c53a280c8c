"""Django's ModelBackend, loading in one query what every signed-in request needs."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from hmis.models import Notice, Role, User


class UserBackend(ModelBackend):
    """Password sign-in as Django's; ``get_user`` (run on every request) also
    loads the user's agency, read by the network check, role names, read
    by every permission check, and the unread notice count, shown in every
    page's navigation, instead of one query each."""

    def get_user(self, user_id):
        roles = Group.objects.filter(user=OuterRef("pk")).values("name")
        unread = (
            Notice.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
            .order_by()
            .values("recipient")
            .annotate(n=Count("pk"))
            .values("n")
        )
        user = (
            User._default_manager.select_related("agency")
            .annotate(
                loaded_role_names=ArraySubquery(roles),
                loaded_unread_notices=Coalesce(Subquery(unread, output_field=IntegerField()), 0),
            )
            .filter(pk=user_id)
            .first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        user._role_cache = set(user.loaded_role_names) & set(Role.values)
        return user
