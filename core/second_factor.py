"""Is this user verified enough? One answer for every way in: pages and the API with a session
cookie, API tokens, the admin site, and any single-sign-on backend added later.

The answer is remembered in the session for ``SECOND_FACTOR_RECHECK_SECONDS`` (default 300),
so an ordinary request costs no query for it. A change of role or of TOTP device made by
someone else therefore takes effect in a signed-in session within that time (and at once at
the next login); the user's own device set-up and code entry take effect at once.
"""

import time

from django.conf import settings

STATE_KEY = "_second_factor"
# What an SSO backend records when the identity provider asserted a second factor itself.
BY_SSO = "sso"


def needs_second_factor(user) -> bool:
    """Administrators (``SECOND_FACTOR_ROLES``) must use one; anyone who set one up must too."""
    from django_otp import user_has_device

    return user.has_role(*settings.SECOND_FACTOR_ROLES) or user_has_device(user)


def _confirmed_device(user, session):
    """The confirmed device of this user that the session passed, or None (a stale id is
    removed from the session, as django-otp does)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.models import Device

    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    if not persistent_id:
        return None
    device = Device.from_persistent_id(persistent_id)
    if device is None or device.user_id != user.pk or not device.confirmed:
        del session[DEVICE_ID_SESSION_KEY]
        return None
    return device


def _state(user, session) -> dict:
    now = time.time()
    state = session.get(STATE_KEY) if session is not None else None
    if (
        state
        and state.get("uid") == user.pk
        and now - state.get("at", 0) < settings.SECOND_FACTOR_RECHECK_SECONDS
    ):
        return state
    by = ""
    if session is not None:
        if state and state.get("uid") == user.pk and state.get("by") == BY_SSO:
            by = BY_SSO
        elif (device := _confirmed_device(user, session)) is not None:
            by = f"otp:{device.persistent_id}"
    state = {"uid": user.pk, "at": now, "by": by, "needs": bool(by) or needs_second_factor(user)}
    if session is not None:
        session[STATE_KEY] = state
    return state


def second_factor_satisfied(user, session=None) -> bool:
    """The predicate. ``session`` is the request's session when the user came in through it;
    a token (``session=None``) is never a second factor, so a user who needs one is refused."""
    if not user.is_authenticated:
        return False
    state = _state(user, session)
    return not state["needs"] or bool(state["by"])


def second_factor_passed(session, user) -> None:
    """Record that the user has just passed a second factor other than this site's TOTP (an
    SSO backend calls this when the identity provider asserted one)."""
    session[STATE_KEY] = {"uid": user.pk, "at": time.time(), "by": BY_SSO, "needs": True}


def second_factor_forget(session) -> None:
    """Recompute the answer at the next request (after a code was entered or a device set up)."""
    session.pop(STATE_KEY, None)
