"""``{% load system_text %}{{ event.reason_text|say }}``: a stored system text (core.system_text)
in the reader's language."""

from django import template

from core import system_text

register = template.Library()


@register.filter(name="say")
def say(stored) -> str:
    return system_text.say(stored)
