"""The project's URLs plus two signed-in one-query views to compare page
throughput against: ``bare`` behind the project's whole middleware stack,
``plain`` served (by ``tests.benchmarks.wsgi``) behind Django's session and
authentication middleware only."""

from django.http import HttpResponse, HttpResponseForbidden
from django.urls import path

from hmis.models import User
from hmis.permissions import SIGNED_IN, public, requires
from hmis.urls import handler404, handler500  # noqa: F401
from hmis.urls import urlpatterns as project_urls


@requires(SIGNED_IN)
def bare(request):
    return HttpResponse(f"ok {User.objects.filter(pk=request.user.pk).count()}")


@public  # checked here: this view runs outside the project's gate
def plain(request):
    if not request.user.is_authenticated:
        return HttpResponseForbidden("Forbidden")
    return HttpResponse(f"ok {User.objects.filter(pk=request.user.pk).count()}")


urlpatterns = [
    path("bench/bare/", bare, name="bench-bare"),
    path("bench/plain/", plain, name="bench-plain"),
    *project_urls,
]
