"""The sharing app's part of the client page, so the clients app imports nothing from sharing."""

from django import template

from sharing.display import release_section_for

register = template.Library()


@register.inclusion_tag("sharing/releases/_client_section.html", takes_context=True)
def client_release_section(context, client):
    """The releases section of the client page (``client``: the record the page loaded)."""
    return {"releases": release_section_for(context["request"], client)}
