from django import template

from core.signatures import signatures_for

register = template.Library()


@register.inclusion_tag("includes/signatures.html")
def signatures(record):
    """The record's sign-offs; a voided one is shown struck through with the reason."""
    return {"signatures": list(signatures_for(record))}
