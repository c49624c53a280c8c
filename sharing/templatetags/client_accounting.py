"""``{% who_has_seen client %}``: the accounting section of the copy a client
takes home. A template tag, so the clients app shows it without importing
sharing (the layering rule: sharing may use clients, not the reverse)."""

from django import template

from sharing.accounting import accounting_for

register = template.Library()


@register.inclusion_tag("sharing/_client_accounting.html", takes_context=True)
def who_has_seen(context, client):
    return {"accounting": accounting_for(context["request"].user, client)}
