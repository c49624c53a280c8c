"""The user agreement every user accepts, and the page shown when privacy
training is out of date."""

from django.conf import settings
from django.shortcuts import redirect, render

from hmis import actions
from hmis.permissions import standing_exempt


@standing_exempt
def user_agreement(request):
    user = request.user
    current = user.agreement_version == settings.HMIS_USER_AGREEMENT_VERSION
    error = None
    if request.method == "POST":
        if request.POST.get("accept") == "yes":
            actions.accept_user_agreement(acting_user=user)
            return redirect("dashboard")
        error = "Tick the box to accept the agreement, or sign out."
    return render(
        request,
        "hmis/user_agreement.html",
        {"already_accepted": current, "version": settings.HMIS_USER_AGREEMENT_VERSION, "error": error},
    )


@standing_exempt
def training_required(request):
    user = request.user
    if user.standing() != "training":
        return redirect("dashboard")
    return render(request, "hmis/training_required.html", {"expired_on": user.training_expires_on()}, status=403)
