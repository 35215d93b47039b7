"""{% lab_badge record "field" %}: a "Lab system" badge beside a value the laboratory system
sent (record.lab_sources, core/lab_sources.py); nothing for a typed value."""

from datetime import datetime

from django import template
from django.template.loader import render_to_string

from core import lab_sources

register = template.Library()


@register.simple_tag
def lab_badge(record, field: str) -> str:
    sources = getattr(record, "lab_sources", None) or {}
    if not lab_sources.from_lab_system(sources, field):
        return ""
    entry = sources[field]
    return render_to_string(
        "core/_lab_badge.html",
        {
            "field": field,
            "observed_at": datetime.fromisoformat(entry["observed_at"]),
            "message": entry.get("message", ""),
        },
    )
