"""Grade reasons charted as English prose before issue 17, read back into codes.

Used once, by the data migration that fills Assessment.crs_findings/icans_findings. A reason is
mapped only when the English is exactly what the codes render today, so a Chinese page never
shows a reason the nurse did not see; anything else (a truncated reason, a wording since
changed) maps to nothing and the page keeps showing the stored English.

Pure: the wording comes in as ``code -> English msgid`` (monitoring/texts.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

# Which codes a reason may be, and which may stand inside each parameter: a code, or every
# code under a prefix ending in ".".
CRS_TOP = (
    "grade.crs.no_temperature",
    "grade.crs.no_temperature_unexplained",
    "grade.crs.below_fever",
    "grade.crs.below_fever_unexplained",
    "grade.crs.fever_nothing_else",
    "grade.crs.fever_only",
    "grade.crs.fever_with",
)
ICANS_TOP = ("grade.icans.",)
_NESTED = {
    "fever": ("grade.crs.fever", "grade.crs.fever_masked"),
    "finding": (
        "grade.crs.hypotension",
        "grade.crs.one_vasopressor",
        "grade.crs.one_vasopressor_with_vasopressin",
        "grade.crs.multiple_vasopressors",
        "grade.crs.multiple_vasopressors_with_vasopressin",
        "grade.crs.vasopressin_alone",
        "grade.crs.nasal_cannula_up_to",
        "grade.crs.nasal_cannula_above",
        "grade.crs.oxygen.",
    ),
    "drug": ("grade.drug.",),
    "drugs": ("grade.drug.", "grade.list"),
    "first": ("grade.drug.",),
    "rest": ("grade.drug.", "grade.list"),
}
# Scalar parameters: the shape of each, as the rules write it (monitoring/grading.py).
_SCALAR = {
    "temperature": r"\d+\.\d+",
    "fever_min": r"\d+\.\d+",
    "flow": r"\d+(?:\.\d+)?",
    "limit": r"\d+(?:\.\d+)?",
    "score": r"\d+",
    "maximum": r"\d+",
    "span": r"\d+(?:–\d+)?",
    "tool": r"ICE|CAPD",
}
_INTEGER = {"score", "maximum"}
_PARAM = re.compile(r"%\((\w+)\)s")


def findings_from_english(
    text: str, *, texts: Mapping[str, str], scale: str
) -> list[dict[str, object]]:
    """``text`` ("; "-joined reasons of one grade, ``scale`` "crs" or "icans") as stored
    findings, or [] when any part of it does not map exactly."""
    if not text:
        return []
    top = CRS_TOP if scale == "crs" else ICANS_TOP
    findings = []
    for part in text.split("; "):
        found = next(_parse(part, _codes(texts, top), texts), None)
        if found is None:
            return []
        findings.append(found)
    return findings


def _codes(texts: Mapping[str, str], allowed: tuple[str, ...]) -> list[str]:
    return [
        code
        for code in texts
        if code in allowed or any(a.endswith(".") and code.startswith(a) for a in allowed)
    ]


def _parse(text: str, codes: list[str], texts: Mapping[str, str]) -> Iterator[dict]:
    for code in codes:
        pieces = _PARAM.split(texts[code])  # literal, name, literal, name, ..., literal
        for params in _match(text, pieces, texts):
            yield {"code": code, "params": params}


def _match(text: str, pieces: list[str], texts: Mapping[str, str]) -> Iterator[dict]:
    literal = pieces[0]
    if not text.startswith(literal):
        return
    rest = text[len(literal) :]
    if len(pieces) == 1:
        if not rest:
            yield {}
        return
    name, tail = pieces[1], pieces[2:]
    # Every place the next literal occurs: "%(fever)s with %(finding)s" must try each " with ".
    following = tail[0]
    if not following:
        ends = [len(rest)] if len(tail) == 1 else range(1, len(rest) + 1)
    else:
        ends = [end for end in range(1, len(rest)) if rest.startswith(following, end)]
    for end in ends:
        value = rest[:end]
        for parsed in _value(name, value, texts):
            for more in _match(rest[end:], tail, texts):
                yield {name: parsed, **more}


def _value(name: str, value: str, texts: Mapping[str, str]) -> Iterator[object]:
    if name in _NESTED:
        yield from _parse(value, _codes(texts, _NESTED[name]), texts)
    elif name in _SCALAR and re.fullmatch(_SCALAR[name], value):
        yield int(value) if name in _INTEGER else value
