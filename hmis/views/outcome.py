"""The one way a POST view runs a domain action and answers with a redirect.

A view that changes something and goes back to a page (post/redirect/get)
does the same four things: check the form, run the action, turn a refusal
into an error message or success into a confirmation, redirect. Written once
here so every such view says only what differs: the form, the action, the
message and where to go.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect


def validation_text(error: ValidationError) -> str:
    """A refusal from an action as one line for a flash message."""
    return " ".join(error.messages)


def form_error_text(form) -> str:
    """Every error of a bound, invalid form as one line: "Label: message"."""
    return " ".join(
        " ".join(errors) if name == "__all__" else f"{form.fields[name].label or name}: {' '.join(errors)}"
        for name, errors in form.errors.items()
    )


def run_action(request, action, *, success, to: str, form=None, invalid: str = ""):
    """Run ``action()`` (a domain action taking no arguments; read the form's
    ``cleaned_data`` inside it) and redirect to ``to``.

    An invalid ``form`` or a ``ValidationError`` from the action becomes an
    error message and nothing is written (actions run in one transaction);
    otherwise ``success`` is shown: a message, or a function of what the
    action returned (``lambda incident: f"Incident {incident.reference} opened."``).
    ``invalid`` replaces the form's own errors when they would not help (a
    choice made by a button, say). ``PermissionDenied`` and ``Http404`` are
    not caught: they answer 403/404 as anywhere else.
    """
    if form is not None and not form.is_valid():
        messages.error(request, invalid or form_error_text(form))
        return redirect(to)
    try:
        result = action()
    except ValidationError as error:
        messages.error(request, validation_text(error))
    else:
        messages.success(request, success(result) if callable(success) else success)
    return redirect(to)
