"""Text the system writes, kept as a code with parameters and said in the reader's language.

Timeline reasons ("Screening started."), escalation reasons ("CRS grade 2 (was 0)"), grade
reasons and calculation notes were stored as prose in the language of whoever's request wrote
them, so a Chinese page showed English clinical content (issue 17). Now each app declares the
texts it writes once, as ``code -> msgid`` marked with ``gettext_noop`` (``<app>/texts.py``,
registered from ``AppConfig.ready()``), a service stores ``{"code": ..., "params": {...}}`` (a
JSON column), and pages, the API, e-mails and PDFs render it with :func:`say` in the language
active for the reader.

A parameter may itself be a stored text (``{"code": ..., "params": ...}``), rendered in the same
language: a stage name or a drug inside a sentence. Dates go in as ISO strings.

Human words (a clinician's justification, a withdrawal reason) stay in the column they were typed
into, in the language they were typed in; they are never run through gettext.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext, override

__all__ = ["SystemText", "codes", "english", "register", "say", "text"]

_TEXTS: dict[str, str] = {}


def register(texts: Mapping[str, str]) -> None:
    """Declare an app's texts (``code -> msgid``). A code means one sentence for ever: the same
    code registered twice with another msgid is a programming error, refused at start-up."""
    for code, msgid in texts.items():
        known = _TEXTS.get(code)
        if known is not None and known != msgid:
            raise ImproperlyConfigured(
                f"System text {code!r} is registered twice with different wording."
            )
        _TEXTS[code] = msgid


def codes() -> dict[str, str]:
    """Every registered code and its msgid (a copy; the translation test walks it)."""
    return dict(_TEXTS)


@dataclass(frozen=True, slots=True)
class SystemText:
    """A code and its parameters: what a service stores instead of prose."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        params = {
            k: v.as_json() if isinstance(v, SystemText) else v for k, v in self.params.items()
        }
        return {"code": self.code, "params": params}

    def __str__(self) -> str:
        return say(self)


def text(code: str, **params: Any) -> SystemText:
    """The text ``code`` with its parameters. An unknown code fails here, at the writer, so that
    nothing unreadable is ever stored."""
    if code not in _TEXTS:
        raise KeyError(f"System text {code!r} is not registered (see core.system_text).")
    return SystemText(code, params)


def _one(stored: SystemText | Mapping[str, Any]) -> str:
    if isinstance(stored, SystemText):
        code, params = stored.code, stored.params
    else:
        code, params = stored.get("code", ""), stored.get("params") or {}
    shown = {k: _param(v) for k, v in params.items()}
    msgid = _TEXTS.get(code)
    if msgid is None:
        # A row written by code since removed: show what was stored rather than nothing.
        details = ", ".join(f"{k}={v}" for k, v in shown.items())
        return f"{code} ({details})" if details else code
    translated = gettext(msgid)
    return translated % shown if shown else translated


def _param(value: Any) -> Any:
    if isinstance(value, SystemText) or (isinstance(value, Mapping) and "code" in value):
        return _one(value)
    return value


def say(stored: Any, *, separator: str | None = None) -> str:
    """``stored`` in the active language: None or empty gives "", a list gives its texts joined
    (with "; ", or the reader's language's separator)."""
    if not stored:
        return ""
    if isinstance(stored, SystemText) or isinstance(stored, Mapping):
        return _one(stored)
    if isinstance(stored, Iterable) and not isinstance(stored, str):
        # Translators: separates several reasons in one line ("fever; hypotension").
        joiner = gettext("; ") if separator is None else separator
        return joiner.join(_one(item) for item in stored if item)
    return str(stored)


def english(stored: Any) -> str:
    """``stored`` in English: for the exports and interfaces whose columns are English prose."""
    with override("en"):
        return say(stored)
