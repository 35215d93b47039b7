"""``{% load system_prose %}{{ signature.void_reason|said }}``: a prose column the system
writes in English (a void reason, a history reason) in the reader's language where its wording
is a registered system text; anything else, a person's words, as stored."""

from django import template

from core.system_text_legacy import translate

register = template.Library()


@register.filter(name="said")
def said(prose) -> str:
    return translate(str(prose or ""))
