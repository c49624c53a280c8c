"""The one reading of a ``?page=`` number, shared by every paged list."""

from django.http import Http404

# Far beyond any real list; a bigger number would overflow the database's
# OFFSET (a server error) instead of meaning anything.
MAX_PAGE = 100_000


def page_number(request) -> int:
    """The requested page, from 1: a missing or non-numeric value is page 1;
    a page past ``MAX_PAGE`` does not exist (404)."""
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        return 1
    if page > MAX_PAGE:
        raise Http404
    return max(1, page)
