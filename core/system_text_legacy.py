"""Prose written before issue 17, read back as a system text where its wording is known.

Timeline and escalation reasons were stored as a sentence in the language of whoever's request
wrote them ("Screening started.", "筛选已开始。", "CRS grade 2 (was 0)"). The data migrations
turn such a sentence into ``{"code", "params"}`` with :func:`parse`, and the chart history,
whose change reasons stay prose (django-simple-history keeps one text column), shows a known
sentence in the reader's language with :func:`translate`. A sentence no registered wording
matches stays what it is: human text, shown as typed.

Each wording is tried in English and in Chinese; a wording may be followed by what a person
typed ("MDT approved. Fit for therapy.", "Monitoring ended: no fever for 72 h"), which is
returned apart, as the human reason. A parameter that is itself a registered parameter-free
wording (a cause of death's label) comes back as that nested text, so it too is shown in the
reader's language.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

from django.utils.translation import get_language, gettext, override

from . import system_text

LANGUAGES = ("en", "zh-hans")
_PARAM = re.compile(r"%\((\w+)\)s")
# A parameter-free wording is read as a whole reason only if it is a sentence ("Screening
# started.", "Monitoring ended:"); a bare label ("Infection", "Other") only as a parameter, so
# a person who typed "Other" keeps her word.
_SENTENCE_ENDS = (".", ":", "–")


def _pattern(wording: str) -> re.Pattern:
    parts, names, at = [], set(), 0
    for match in _PARAM.finditer(wording):
        parts.append(re.escape(wording[at : match.start()]))
        name = match.group(1)
        # A name used twice in one wording must match the same text twice.
        parts.append(f"(?P={name})" if name in names else f"(?P<{name}>.+?)")
        names.add(name)
        at = match.end()
    tail = wording[at:]
    parts.append(re.escape(tail))
    # Human words may follow a wording that ends in its own text, never one that ends in a
    # parameter (which would swallow them).
    human = r"(?:\s*(?P<_human>.+?))?" if tail.strip() else ""
    return re.compile("^" + "".join(parts) + human + r"\s*$", re.DOTALL)


@cache
def _table(registered: tuple[tuple[str, str], ...]) -> tuple:
    """(pattern, code) for every wording in every language, the longest wording first so that
    "Died: %(cause)s –" is tried before "Died: %(cause)s"; and parameter-free wordings by their
    text, for nested parameters."""
    patterns, plain = [], {}
    for language in LANGUAGES:
        with override(language):
            for code, msgid in registered:
                wording = gettext(msgid)
                if _PARAM.search(msgid):
                    # A wording that is mostly parameters ("%(n)s h") or opens with one
                    # ("%(fever)s with %(finding)s") would match what a person typed.
                    if len(_PARAM.sub("", msgid).strip()) >= 4 and not msgid.startswith("%("):
                        patterns.append((len(wording), _pattern(wording), code))
                    continue
                plain.setdefault(wording, code)
                if msgid.rstrip().endswith(_SENTENCE_ENDS):
                    patterns.append((len(wording), _pattern(wording), code))
    patterns.sort(key=lambda item: -item[0])
    return tuple((p, c) for _n, p, c in patterns), plain


def _value(raw: str, plain: dict[str, str]) -> Any:
    if raw in plain:
        return {"code": plain[raw], "params": {}}
    return int(raw) if raw.isdigit() else raw


def parse(prose: str, *, codes: dict[str, str] | None = None) -> tuple[dict | None, str]:
    """``prose`` as (stored system text, the human words after it), or (None, prose) when no
    registered wording (or ``codes``, ``code -> msgid``) matches."""
    prose = (prose or "").strip()
    if not prose:
        return None, ""
    registered = tuple(sorted((codes if codes is not None else system_text.codes()).items()))
    patterns, plain = _table(registered)
    for pattern, code in patterns:
        match = pattern.match(prose)
        if match is None:
            continue
        found = match.groupdict()
        human = (found.pop("_human", None) or "").strip()
        params = {name: _value(value, plain) for name, value in found.items()}
        return {"code": code, "params": params}, human
    return None, prose


def translate(prose: str) -> str:
    """A stored English or Chinese sentence of known wording, in the active language, with
    any human words after it unchanged; other text as it is."""
    if not prose:
        return ""
    # A chart's history repeats the same few reasons on hundreds of rows.
    return _translated(prose, get_language(), len(system_text.codes()))


@lru_cache(maxsize=4096)
def _translated(prose: str, language: str, _registered: int) -> str:
    stored, human = parse(prose)
    if stored is None:
        # On a page a bare wording ("monitoring sweep") may be said too; only the migrations
        # must not take a person's "Other" for the system's.
        _patterns, plain = _table(tuple(sorted(system_text.codes().items())))
        if prose.strip() in plain:
            return system_text.say({"code": plain[prose.strip()], "params": {}})
        return prose
    # What follows may itself be a sentence the system wrote ("Course ended (Deceased) on
    # 2026-05-18. Died: Infection"); a person's words come back unchanged.
    return " ".join(part for part in (system_text.say(stored), translate(human)) if part)
