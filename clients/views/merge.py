"""Merging duplicate records: the merge page (field by field, masked), its
confirmation with counts, and the system admin's undo. Thin: reads through
``queries``, writes through ``actions.merge_clients`` / ``unmerge_clients``.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from clients import actions, queries
from clients.forms import MergeForm
from clients.masking import merge_rows
from hmis.confirm import confirmation_page, plural
from hmis.permissions import REVIEW_DUPLICATES, SEE_CLIENT_NAMES, UNDO_MERGES, has_permission, requires
from hmis.privacy import privacy_screen_on
from hmis.views.outcome import run_action, validation_text


@requires(REVIEW_DUPLICATES)
def merge(request, duplicate_id):
    """Record A is the existing record, B the new one. GET: the form; POST:
    the confirmation with counts; the confirming POST merges."""
    duplicate = queries.get_possible_duplicate_for(request.user, duplicate_id)
    first = queries.get_client_to_merge(request.user, duplicate.existing_client_id)
    second = queries.get_client_to_merge(request.user, duplicate.new_client_id)
    form = MergeForm(request.POST or None, groups=actions.MERGE_GROUPS)
    if request.method == "POST" and form.is_valid():
        kept, merged = (first, second) if form.cleaned_data["keep"] == "a" else (second, first)
        choices = form.merge_choices()
        if request.POST.get("confirmed") != "yes":
            return _confirmation(request, kept, merged, choices, form)
        try:
            actions.merge_clients(acting_user=request.user, kept=kept, merged=merged, choices=choices)
        except ValidationError as error:
            messages.error(request, validation_text(error))
            return redirect("clients:duplicate-merge", duplicate_id=duplicate.pk)
        messages.success(request, f"Client {merged.reference} was merged into client {kept.reference}.")
        if queries.is_system_admin(request.user):
            return redirect("clients:duplicates")
        return redirect("clients:detail", client_id=kept.pk)
    viewer = queries.viewer_for(request)
    return render(
        request,
        "clients/merge.html",
        {
            "duplicate": duplicate,
            "first": first,
            "second": second,
            "form": form,
            "rows": [
                {"group": group, "label": label, "a": a, "b": b, "same": same, "pick": form.data.get(group, "a")}
                for group, label, a, b, same in merge_rows(first, second, actions.MERGE_GROUPS, viewer)
            ],
            "keep": form.data.get("keep", "a"),
            "privacy": viewer.privacy,
            # A supervisor reveals a value on the record's own page, with a reason (audited there).
            "can_open_records": has_permission(request.user, SEE_CLIENT_NAMES) and not privacy_screen_on(request),
            "across_agencies": first.owning_agency_id != second.owning_agency_id,
        },
        status=400 if request.method == "POST" else 200,
    )


def _confirmation(request, kept, merged, choices, form):
    counts = queries.merge_counts(kept, merged)
    taken = [group for group, choice in choices.items() if choice == "merged"]
    consequences = [
        f"Client {kept.reference} ({kept.owning_agency.name}) stays; client {merged.reference} "
        f"({merged.owning_agency.name}) becomes a pointer to it and leaves every list and search.",
        f"Values taken from {merged.reference}: {', '.join(taken) if taken else 'none'}.",
        f"Moving to {kept.reference}: {plural(counts['enrollments'], 'enrollment')}, "
        f"{plural(counts['assessments'], 'assessment')}, {plural(counts['access events'], 'access event')}, "
        "and the record's releases, referrals, disclosures and incident links.",
    ]
    if kept.owning_agency_id != merged.owning_agency_id:
        consequences.append(
            f"{kept.owning_agency.name} holds the record. {merged.owning_agency.name} keeps its enrollments under "
            "it and sees the client only as its consent and referrals allow."
        )
    consequences.append(
        f"The system admin can undo this for {settings.HMIS_MERGE_UNDO_DAYS} days. "
        "The merge is recorded in both records' access histories."
    )
    return confirmation_page(
        request,
        title="Merge these two records?",
        consequences=consequences,
        button="Merge",
        cancel_url=request.path,
        hidden={**{name: value for name, value in form.cleaned_data.items()}, "confirmed": "yes"},
    )


@requires(UNDO_MERGES)
def undo(request, merge_id):
    merge = queries.get_merge_for(request.user, merge_id)
    if request.method != "POST":
        return confirmation_page(
            request,
            title="Undo this merge?",
            consequences=[
                f"Client {merge.merged.reference} becomes a record of its own again, with its values from before "
                "the merge.",
                f"Client {merge.kept.reference} gets back its values from before the merge; changes made to them "
                "since are replaced.",
                "The enrollments, releases, referrals, disclosures, incident links and access events the merge "
                "moved go back; anything added since stays with "
                f"{merge.kept.reference}.",
                "The pair returns to the duplicate-review list. The undo is recorded in both histories.",
            ],
            button="Undo the merge",
            cancel_url=reverse("clients:duplicates"),
        )
    return run_action(
        request,
        lambda: actions.unmerge_clients(acting_user=request.user, merge=merge),
        success="The merge was undone.",
        to=reverse("clients:duplicates"),
    )
