"""One confirmation page for actions that cannot be undone.

The button on an object's page is a link (GET) to the action's URL, which
answers with this page: what will happen, with counts, and the reason when
the action takes one. Its form POSTs to the same URL, which acts. Works with
no JavaScript.
"""

from django.shortcuts import render


def confirmation_page(request, *, title, consequences, button, cancel_url, form=None, hidden=None, status=200):
    """``hidden``: fields the confirming POST carries (for a choice made on the page before)."""
    return render(
        request,
        "hmis/confirm.html",
        {
            "title": title,
            "consequences": consequences,
            "button": button,
            "cancel_url": cancel_url,
            "form": form,
            "hidden": sorted((hidden or {}).items()),
        },
        status=status,
    )


def plural(count, word):
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
