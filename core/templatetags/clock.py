from django import template

from core.clock import local_when

register = template.Library()


@register.filter
def when(value):
    """Local time, with the date when it is not today (core/clock.py)."""
    return local_when(value)
