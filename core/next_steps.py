"""Where a page leads next, shared by the stages (issue 17: a dose given → back to Today)."""

from urllib.parse import urlencode

from django.urls import reverse

from .roles import Role

# The query flag a page gets after a dose is recorded (lymphodepletion or an intervention).
DOSE_GIVEN = "given"


def back_to_today_url(request, patient) -> str | None:
    """For a nurse who has just given a dose: her ward's Today list (the patient's ward).
    None for everyone else, and on a page not reached from a dose."""
    user = request.user
    if request.GET.get(DOSE_GIVEN) != "1" or not user.has_role(Role.NURSE):
        return None
    return f"{reverse('monitoring:today')}?{urlencode({'ward': patient.ward.code})}"


def after_dose(url: str) -> str:
    """The success page's address, marked so that it offers "back to Today"."""
    return f"{url}?{urlencode({DOSE_GIVEN: '1'})}"
