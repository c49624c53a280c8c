"""Duplicate review: pairs a strong match found, marked same person or different people
(merging them is ``clients.views.merge``)."""

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clients import actions, queries
from clients.forms import (
    DuplicateResolutionForm,
)
from clients.models import PossibleDuplicate
from hmis.confirm import confirmation_page
from hmis.permissions import (
    REVIEW_DUPLICATES,
    requires,
)
from hmis.views.outcome import run_action


@requires(REVIEW_DUPLICATES)
def duplicates(request):
    """The system admin: every pair (across agencies only they merge) and the
    recent merges to undo; a supervisor: the pairs within their agency."""
    pairs = queries.possible_duplicates_for(request.user)
    merges = list(queries.merges_for(request.user))
    now = timezone.now()
    return render(
        request,
        "clients/duplicates.html",
        {
            "open_pairs": queries.open_duplicates_for(request.user),
            "resolved_pairs": pairs.exclude(status="open")[:50],
            "across_agencies": queries.is_system_admin(request.user),
            "merges": [
                {"merge": m, "can_undo": not m.undone_at and now <= actions.merge_undo_deadline(m)} for m in merges
            ],
        },
    )


@requires(REVIEW_DUPLICATES)
@require_POST
def duplicate_resolve(request, duplicate_id):
    duplicate = queries.get_possible_duplicate_for(request.user, duplicate_id)
    form = DuplicateResolutionForm(request.POST)
    same_person = form.is_valid() and form.cleaned_data["status"] == PossibleDuplicate.Status.DUPLICATE
    if same_person and request.POST.get("confirmed") != "yes":
        return confirmation_page(
            request,
            title="Record these two records as the same person?",
            consequences=[
                f"Client {duplicate.new_client.reference} ({duplicate.new_client.owning_agency.name}) and client "
                f"{duplicate.existing_client.reference} ({duplicate.existing_client.owning_agency.name}) "
                "are recorded as one person.",
                "The pair leaves the list of possible duplicates.",
            ],
            button="Same person",
            cancel_url=reverse("clients:duplicates"),
            hidden={"status": PossibleDuplicate.Status.DUPLICATE, "confirmed": "yes"},
        )
    return run_action(
        request,
        lambda: actions.resolve_possible_duplicate(
            acting_user=request.user, duplicate=duplicate, status=form.cleaned_data["status"]
        ),
        form=form,
        invalid="Choose same person or different people.",
        success="Review recorded.",
        to=reverse("clients:duplicates"),
    )
