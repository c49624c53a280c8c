"""Referral (share) pages. Thin: reads through ``sharing.queries``,
writes through ``sharing.actions``.

The recipient reaches a shared client only through ``share_detail``, which
asks ``actions.share_to_open`` (recipient, live, consent gate now) on every
opening and records each opening as an access event.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from clients import queries as client_queries
from hmis import reveal_once
from hmis.forms import apply_validation_error
from hmis.permissions import (
    RECEIVE_SHARES,
    RECORD_DISCLOSURES,
    REVEAL_CLIENT_PII,
    SEND_SHARES,
    has_permission,
    requires,
)
from hmis.privacy import privacy_screen_on
from hmis.views.outcome import run_action, validation_text
from sharing import actions, display, queries
from sharing.forms_shares import ShareForm, ShareResponseForm, ShareRevealForm
from sharing.models import PURPOSE_DEFAULT_CATEGORIES, Purpose, Share, category_labels


def _record_release_url(client):
    """Where to record a release for ``client`` (the consent-releases pages)."""
    for name in ("sharing:release-create", "sharing:release-new", "sharing:release-record"):
        try:
            return reverse(name, kwargs={"client_id": client.pk})
        except NoReverseMatch:
            continue
    return ""


@requires(RECEIVE_SHARES)
def share_list(request):
    user = request.user
    received = queries.shares_received_by(user)
    return render(
        request,
        "sharing/shares/list.html",
        {
            "live_received": received.filter(status__in=Share.LIVE),
            "ended_received": received.exclude(status__in=Share.LIVE)[:50],
            "sent": queries.shares_sent_by(user)[:100],
        },
    )


@requires(SEND_SHARES)
def share_create(request, client_id):
    user = request.user
    client = client_queries.get_client_for(user, client_id)
    if client.owning_agency_id != user.agency_id:
        raise Http404  # only the owning agency refers; a shared-in client is not theirs to pass on
    form = ShareForm(request.POST or None, recipients=queries.eligible_recipients(user))
    consent_refusal = ""
    minimum_ticked = False
    if request.method == "POST" and form.is_valid() and not form.cleaned_data["categories"]:
        # Without JavaScript: sending with a purpose and nothing ticked ticks the
        # purpose's minimum and shows it to check; nothing is sent yet.
        data = request.POST.copy()
        data.setlist("categories", sorted(PURPOSE_DEFAULT_CATEGORIES[form.cleaned_data["purpose"]]))
        form = ShareForm(data, recipients=queries.eligible_recipients(user))
        minimum_ticked = True
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            share = actions.send_share(
                acting_user=user,
                client=client,
                to_agency=data["to_agency"],
                purpose=data["purpose"],
                categories=data["categories"],
                justification=data["justification"],
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "consent":
                consent_refusal = validation_text(error)
            else:
                apply_validation_error(form, error)
        else:
            messages.success(request, f"Referral {share.reference} sent to {share.to_agency.name}.")
            return redirect("sharing:share-sent", share_id=share.pk)
    purposes = dict(Purpose.choices)
    defaults = [
        (purposes[purpose], category_labels(sorted(categories)))
        for purpose, categories in sorted(PURPOSE_DEFAULT_CATEGORIES.items())
    ]
    return render(
        request,
        "sharing/shares/create.html",
        {
            "form": form,
            "client_reference": client.reference,
            "client_id": client.pk,
            "defaults": defaults,
            "consent_refusal": consent_refusal,
            "record_release_url": _record_release_url(client) if consent_refusal else "",
            "minimum_ticked": minimum_ticked,
            # For share_form.js: choosing a purpose ticks its minimum categories.
            "purpose_minimums": {p: sorted(c) for p, c in PURPOSE_DEFAULT_CATEGORIES.items()},
        },
        status=400 if request.method == "POST" and not minimum_ticked else 200,
    )


def _detail_context(request, share, *, revealed="", reveal_form=None):
    viewer = client_queries.viewer_for(request)
    view = display.shared_client_view(share, viewer, revealed=revealed)
    can_reveal = has_permission(request.user, REVEAL_CLIENT_PII) and not viewer.privacy and bool(view.revealable)
    return {
        "share": share,
        "view": view,
        "can_respond": share.status == Share.Status.SENT,
        "can_reveal": can_reveal,
        "reveal_form": reveal_form or (ShareRevealForm(fields=view.revealable) if can_reveal else None),
        "response_form": ShareResponseForm(),
    }


@requires(RECEIVE_SHARES)
def share_for_client(request, client_id):
    """Where the client page sends a user whose agency does not hold the
    record: the live, consented referral through which they see the client,
    else 404."""
    client = client_queries.get_client_for(request.user, client_id)
    shares = queries.shared_view_for(request.user, client)
    if not shares:
        raise Http404
    return redirect("sharing:share-detail", share_id=shares[0].pk)


@requires(RECEIVE_SHARES)
def share_notice(request, share_id):
    """Where the recipient's notices and e-mails about a referral lead: the
    referral while it is open, afterwards its status without the client (so
    an old notice never ends on "not found")."""
    share = queries.get_received_share_for(request.user, share_id)
    try:
        actions.share_to_open(acting_user=request.user, share_id=share_id)
    except Http404:
        return render(request, "sharing/shares/ended.html", {"share": share})
    return redirect("sharing:share-detail", share_id=share.pk)


@requires(RECEIVE_SHARES)
def share_detail(request, share_id):
    share = actions.share_to_open(acting_user=request.user, share_id=share_id)
    actions.record_share_opened(acting_user=request.user, share=share)
    return render(request, "sharing/shares/detail.html", _detail_context(request, share))


@requires(RECEIVE_SHARES)
@require_POST
def share_reveal(request, share_id):
    """Record the reveal, then redirect to the referral showing the field once."""
    share = actions.share_to_open(acting_user=request.user, share_id=share_id)
    if not has_permission(request.user, REVEAL_CLIENT_PII):
        raise PermissionDenied
    view = display.shared_client_view(share, client_queries.viewer_for(request))
    form = ShareRevealForm(request.POST, fields=view.revealable)
    shown = reveal_once.reveal_and_redirect(
        request,
        form,
        lambda **chosen: actions.reveal_shared_field(acting_user=request.user, share=share, **chosen),
        subject_id=share.pk,
        to="sharing:share-revealed",
        share_id=share.pk,
    )
    if shown:
        return shown
    return render(request, "sharing/shares/detail.html", _detail_context(request, share, reveal_form=form), status=400)


@requires(RECEIVE_SHARES)
def share_revealed(request, share_id, token):
    """The referral with the field a reveal just recorded, shown once; records nothing more."""
    share = actions.share_to_open(acting_user=request.user, share_id=share_id)
    if not has_permission(request.user, REVEAL_CLIENT_PII):
        raise PermissionDenied
    field = reveal_once.take(request, token, subject_id=share.pk)
    context = _detail_context(request, share, revealed=field)
    context["reveal_used"] = not field
    return render(request, "sharing/shares/detail.html", context)


@requires(RECEIVE_SHARES)
@require_POST
def share_accept(request, share_id):
    share = actions.share_to_open(acting_user=request.user, share_id=share_id)
    form = ShareResponseForm(request.POST)
    form.is_valid()
    return run_action(
        request,
        lambda: actions.accept_share(acting_user=request.user, share=share, note=form.cleaned_data.get("note", "")),
        success=f"Referral {share.reference} accepted.",
        to=reverse("sharing:share-detail", args=[share.pk]),
    )


@requires(RECEIVE_SHARES)
@require_POST
def share_decline(request, share_id):
    share = queries.get_received_share_for(request.user, share_id)
    form = ShareResponseForm(request.POST)
    form.is_valid()
    try:
        actions.decline_share(acting_user=request.user, share=share, note=form.cleaned_data.get("note", ""))
    except ValidationError as error:
        messages.error(request, validation_text(error))
        if share.is_live:
            return redirect("sharing:share-detail", share_id=share.pk)
    else:
        messages.success(request, f"Referral {share.reference} declined.")
    return redirect("sharing:share-list")


@requires(SEND_SHARES)
def share_sent(request, share_id):
    """The sending agency's page of one referral: status and history, no client data."""
    share = queries.get_sent_share_for(request.user, share_id)
    return render(
        request,
        "sharing/shares/sent.html",
        {
            "share": share,
            "history": queries.status_history(share),
            "can_withdraw": share.status in Share.LIVE,
            "response_form": ShareResponseForm(),
        },
    )


@requires(SEND_SHARES)
@require_POST
def share_withdraw(request, share_id):
    share = queries.get_sent_share_for(request.user, share_id)
    form = ShareResponseForm(request.POST)
    form.is_valid()
    return run_action(
        request,
        lambda: actions.withdraw_share(acting_user=request.user, share=share, note=form.cleaned_data.get("note", "")),
        success=f"Referral {share.reference} withdrawn: the partner no longer has access.",
        to=reverse("sharing:share-sent", args=[share.pk]),
    )


# --- Disclosure log ----------------------------------------------------------------------


@requires(RECORD_DISCLOSURES)
def disclosure_create(request, client_id):
    from sharing.forms_shares import DisclosureForm

    user = request.user
    client = queries.get_client_of_record_for(user, client_id)
    releases = queries.disclosure_releases_for(user, client)
    form = DisclosureForm(request.POST or None, releases=releases, privacy=privacy_screen_on(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.record_disclosure(acting_user=user, client=client, **data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Disclosure recorded in the client's access history.")
            return redirect("clients:detail", client_id=client.pk)
    return render(
        request,
        "sharing/shares/disclosure.html",
        {"form": form, "client_reference": client.reference, "client_id": client.pk, "has_releases": releases.exists()},
        status=400 if request.method == "POST" else 200,
    )
