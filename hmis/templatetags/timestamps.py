"""``stamp``: an event's time as ``|date:"Y-m-d H:i:s T"`` writes it.

Django's ``date`` filter parses its format letter by letter on every call
(about 70 us a row on this machine, the largest part of an access-history
row); ``strftime`` does the same in a few. In the hour a clock repeats when
it falls back, ``date`` leaves the zone out (``01:30:00 ``, twice); ``%Z``
names it (PDT, then PST), so the two times stay apart.
"""

from django import template

register = template.Library()


@register.filter(expects_localtime=True)
def stamp(value):
    """``2026-12-03 06:21:30 PST`` in the current time zone; "" for no value."""
    if not value:
        return ""
    return value.strftime("%Y-%m-%d %H:%M:%S %Z")
