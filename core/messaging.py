"""Messages people can act on: written in the recipient's language, with an absolute link to
the page that needs her, and nothing that identifies a patient in an e-mail subject (a
subject shows on lock screens and in mail-server logs; the body is read after unlocking)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _


def recipient_language(user) -> str:
    """The language a message to ``user`` is written in: hers if she chose one (zh-hans for
    the Chinese staff), else the site's."""
    language = getattr(user, "language", "") or ""
    if language in dict(settings.LANGUAGES):
        return language
    return settings.LANGUAGE_CODE


@contextmanager
def in_language_of(user) -> Iterator[str]:
    """Compose a message inside this block: gettext and choice labels speak her language."""
    language = recipient_language(user)
    with translation.override(language):
        yield language


def absolute_url(path: str) -> str:
    """A link that works from a mail client: SITE_URL plus the page's path."""
    if not path or path.startswith(("http://", "https://")):
        return path
    return f"{settings.SITE_URL.rstrip('/')}/{path.lstrip('/')}"


def email_subject(text: str) -> str:
    """The subject line: the programme's tag and a phrase with no patient identifier."""
    return f"[CAR-T] {text}"[:200]


def email_body(*, headline: str, body: str = "", link: str = "") -> str:
    """Composed in the current language (call inside ``in_language_of``)."""
    parts = [headline, body]
    if link:
        parts.append(_("Open in the CAR-T workflow: %(url)s") % {"url": absolute_url(link)})
    return "\n\n".join(part for part in parts if part)
