"""Release pages. Thin: read through ``queries``, write through ``actions``,
hand templates ready words and booleans.

UUIDs only in paths; no client name in titles or messages (the reference
code at most); the evidence file is served only here, after the checks.
"""

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from hmis.confirm import confirmation_page, plural
from hmis.forms import apply_validation_error
from hmis.permissions import DECIDE_RELEASES, RECORD_RELEASES, REVOKE_RELEASES, VIEW_RELEASES, requires
from hmis.uploads import accepts_upload
from hmis.views.outcome import run_action
from sharing import actions, display, queries
from sharing import evidence as evidence_store
from sharing.evidence import EvidenceUploadHandler
from sharing.forms import DenyForm, ReleaseForm, RevokeForm
from sharing.models import CATEGORY_PLAIN, PURPOSE_PLAIN, DataCategory, Purpose, Release


def _parse_date(value):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _summary(form, agencies, agency_name):
    """What the client is agreeing to, from what is ticked now (server side of
    the live summary; ``static/js/release_summary.js`` keeps it current)."""
    if form.is_bound:
        data = form.data
        get_list = data.getlist if hasattr(data, "getlist") else lambda k: data.get(k, [])
        kind = data.get("kind") or Release.Kind.CARE_COORDINATION
        categories = set(get_list("categories"))
        purposes = set(get_list("purposes"))
        chosen_agencies = set(get_list("recipient_agencies"))
        all_partners = data.get("all_partners") in ("on", "true", "1", True)
        outside = data.get("outside_recipient_name", "").strip()
        effective = _parse_date(data.get("effective_date"))
        through = _parse_date(data.get("expiry_date"))
    else:
        kind, categories, purposes, chosen_agencies = Release.Kind.CARE_COORDINATION, set(), set(), set()
        all_partners, outside, effective, through = False, "", timezone.localdate(), None
    if effective and not through:
        through = actions.default_expiry_date(effective)
    additional = kind == Release.Kind.ADDITIONAL
    agency_ids = {str(a.pk) for a in agencies}
    return {
        "any_category": bool(categories & set(DataCategory.values)),
        "any_purpose": bool(purposes & set(Purpose.values)),
        "any_recipient": bool(
            (all_partners and not additional) or (outside and additional) or chosen_agencies & agency_ids
        ),
        "agency": agency_name,
        "categories": [(c.value, CATEGORY_PLAIN[c], c.value in categories) for c in DataCategory],
        "purposes": [(p.value, PURPOSE_PLAIN[p], p.value in purposes) for p in Purpose],
        "agencies": [(str(a.pk), a.name, str(a.pk) in chosen_agencies) for a in agencies],
        "all_partners": all_partners and not additional,
        "outside": outside if additional else "",
        "effective": effective,
        "through": through,
        "default_days": settings.HMIS_RELEASE_DEFAULT_DAYS,
    }


@requires(RECORD_RELEASES)
@accepts_upload(EvidenceUploadHandler)
def release_create(request, client_id):
    user = request.user
    client = queries.get_client_of_record_for(user, client_id)
    agencies = queries.partner_agencies_for(user)
    form = ReleaseForm(request.POST or None, request.FILES or None, agencies=agencies)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                release = actions.record_release(
                    acting_user=user,
                    client=client,
                    kind=data["kind"],
                    all_partners=data["all_partners"],
                    recipient_agencies=list(data["recipient_agencies"]),
                    outside_recipient_name=data["outside_recipient_name"],
                    outside_recipient_contact=data["outside_recipient_contact"],
                    categories=data["categories"],
                    purposes=data["purposes"],
                    consent_method=data["consent_method"],
                    witness_name=data["witness_name"],
                    evidence=data["evidence"],
                    effective_date=data["effective_date"],
                    expiry_date=data["expiry_date"],
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Release recorded. A supervisor of your agency will review it.")
                return redirect("sharing:release-detail", release_id=release.pk)
        status = 400
    return render(
        request,
        "sharing/releases/create.html",
        {
            "client": client,
            "form": form,
            "summary": _summary(form, agencies, user.agency.name),
        },
        status=status,
    )


def _detail_context(request, release, *, deny_form=None):
    from hmis.privacy import privacy_screen_on

    privacy = privacy_screen_on(request)
    [view] = display.describe([release], request.user, privacy=privacy)
    return {
        "view": view,
        "release": release,
        "client": release.client,
        "history": release.status_changes.select_related("changed_by"),
        "evidence_to_open": release.has_evidence and not actions.evidence_opened_by(request.user, release),
        "deny_form": deny_form or DenyForm(),
        "privacy": privacy,
    }


@requires(VIEW_RELEASES)
def release_detail(request, release_id):
    release = queries.get_release_for(request.user, release_id)
    return render(request, "sharing/releases/detail.html", _detail_context(request, release))


@requires(DECIDE_RELEASES)
@require_POST
def release_approve(request, release_id):
    release = queries.get_release_for(request.user, release_id)
    return run_action(
        request,
        lambda: actions.approve_release(acting_user=request.user, release=release),
        success=f"Release approved for client {release.client.reference}.",
        to=reverse("sharing:release-detail", args=[release.pk]),
    )


@requires(DECIDE_RELEASES)
@require_POST
def release_deny(request, release_id):
    release = queries.get_release_for(request.user, release_id)
    form = DenyForm(request.POST)
    if form.is_valid():
        try:
            actions.deny_release(acting_user=request.user, release=release, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Release denied. The worker who recorded it can see your reason.")
            return redirect("sharing:release-detail", release_id=release.pk)
    if release.requested_by_id == request.user.pk:
        raise PermissionDenied
    return render(
        request, "sharing/releases/detail.html", _detail_context(request, release, deny_form=form), status=400
    )


@requires(REVOKE_RELEASES)
@require_http_methods(["GET", "POST"])
def release_revoke(request, release_id):
    """GET: what revoking takes away, and the reason; POST: revoke."""
    release = queries.get_release_for(request.user, release_id)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return run_action(
            request,
            lambda: actions.revoke_release(
                acting_user=request.user, release=release, reason=form.cleaned_data["reason"]
            ),
            success="Release revoked. Nothing more is shared under it, from now on.",
            to=reverse("sharing:release-detail", args=[release.pk]),
        )
    consequences = [
        f"{name} loses access to {plural(count, 'referral')} now."
        for name, count in queries.live_referral_counts(release=release)
    ] or ["No referral is open under this release."]
    consequences.append("Nothing more can be shared under this release; the client must sign a new one.")
    return confirmation_page(
        request,
        title=f"Revoke the release for client {release.client.reference}?",
        consequences=consequences,
        button="Revoke release",
        cancel_url=reverse("sharing:release-detail", args=[release.pk]),
        form=form,
        status=400 if request.method == "POST" else 200,
    )


@requires(VIEW_RELEASES)
def release_evidence(request, release_id):
    """The decrypted evidence, for the record agency's staff who may see the client; recorded."""
    release = queries.get_release_for(request.user, release_id)
    if not release.has_evidence:
        raise Http404
    try:
        content = evidence_store.load(release.evidence_file)
    except FileNotFoundError:
        raise Http404 from None
    actions.record_evidence_viewed(acting_user=request.user, release=release)
    extension = evidence_store.EXTENSIONS.get(release.evidence_content_type, "bin")
    response = HttpResponse(content, content_type=release.evidence_content_type or "application/octet-stream")
    # A fixed file name: never the client's name or the name it was uploaded with.
    response["Content-Disposition"] = f'inline; filename="consent-evidence.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@requires(VIEW_RELEASES)
def release_print(request, release_id):
    """A summary the client takes home: reference code, agency, scope, dates,
    how to revoke. No name, SSN or birth date, so a lost page names nobody."""
    release = queries.get_release_for(request.user, release_id)
    actions.record_summary_printed(acting_user=request.user, release=release)
    [view] = display.describe([release], request.user)
    summary = display.client_summary(
        categories=release.categories,
        purposes=release.purposes,
        recipients=view.recipients,
        effective=view.effective,
        through=view.through,
        obtaining_agency_name=release.obtaining_agency.name,
    )
    return render(
        request,
        "sharing/releases/print.html",
        {"release": release, "view": view, "summary": summary, "agency": release.obtaining_agency},
    )


@requires(DECIDE_RELEASES)
def release_queue(request):
    pending = queries.pending_releases_for_decision(request.user)
    return render(request, "sharing/releases/queue.html", {"pending": display.describe(pending, request.user)})
