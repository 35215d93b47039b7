"""When the notification outbox tries a message again, when it gives up, and the name each
e-mail carries. Pure: plain values in, plain values out, no database.

Back-off: a mail server that is down for a minute or an afternoon must neither be hammered
nor make a reminder wait a day. Each failed attempt doubles the wait, from one minute up to a
cap of one hour; after twelve attempts (about six hours of trying) the row is marked failed
and waits for an administrator's "retry now" in the admin site.
"""

from __future__ import annotations

from datetime import timedelta

FIRST_RETRY_AFTER = timedelta(minutes=1)
RETRY_AFTER_CAP = timedelta(hours=1)
MAX_ATTEMPTS = 12


def retry_delay(
    *, attempts: int, first: timedelta = FIRST_RETRY_AFTER, cap: timedelta = RETRY_AFTER_CAP
) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: first, 2 × first, 4 × first, … and
    never more than ``cap``."""
    if attempts < 1:
        raise ValueError("the delay follows a failed attempt: attempts starts at 1")
    # 2**40 minutes is far past any cap; bounding the exponent keeps the product finite.
    return min(first * 2 ** min(attempts - 1, 40), cap)


def gives_up(*, attempts: int, max_attempts: int = MAX_ATTEMPTS) -> bool:
    """After this many failed attempts the message is marked failed instead of retried."""
    return attempts >= max_attempts


def message_id(*, token: str, domain: str) -> str:
    """The e-mail's Message-ID, the same on every attempt of one outbox row: a message sent
    twice (the worker died after the server accepted it, before the row was marked sent) is
    recognisable by the receiving server and mail client as one message."""
    return f"<outbox.{token}@{domain}>"
