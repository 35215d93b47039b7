"""``{% load catalogue_text %}{{ indication.description|seeded }}``: a catalogue text the seed
wrote, in the reader's language; an administrator's own wording as typed (issue 17)."""

from django import template

from catalogue.texts import seeded_text

register = template.Library()


@register.filter(name="seeded")
def seeded(value) -> str:
    return seeded_text(value) if isinstance(value, str) else value
