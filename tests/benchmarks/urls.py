"""The project's URLs plus a bare signed-in view to compare page throughput against."""

from django.http import HttpResponse
from django.urls import path

from hmis.models import User
from hmis.permissions import SIGNED_IN, requires
from hmis.urls import handler404, handler500  # noqa: F401
from hmis.urls import urlpatterns as project_urls


@requires(SIGNED_IN)
def bare(request):
    return HttpResponse(f"ok {User.objects.filter(pk=request.user.pk).count()}")


urlpatterns = [path("bench/bare/", bare, name="bench-bare"), *project_urls]
