"""The bedside bag check form, shown on the infusion gate page. The check writes apheresis'
record, so its form and the view it posts to live here (README, Architecture)."""

from django import template

from ..forms import BagScanForm

register = template.Library()


@register.inclusion_tag("apheresis/_bedside_scan_form.html", takes_context=True)
def bedside_scan_form(context, course):
    # The page's whole context (CSRF token, the sso confirmation state) plus the form.
    values = context.flatten()
    values.update(course=course, scan_form=BagScanForm())
    return values
