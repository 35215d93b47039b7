"""The chain-of-identity number: Damm check digit, making, normalising, comparing a scan."""

from __future__ import annotations

import re
import unicodedata

# --- Chain of identity ---------------------------------------------------------------------

# Damm's quasigroup of order 10: the check digit catches every single-digit error and every
# swap of two adjacent digits (H. M. Damm, 2004), the two commonest typing errors.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)
COI_PATTERN = re.compile(r"^COI-(?P<year>\d{4})-(?P<serial>\d{6,})-(?P<check>\d)$")


def damm_check_digit(digits: str) -> str:
    if not digits or not digits.isdigit() or not digits.isascii():
        raise ValueError("damm_check_digit needs a string of digits")
    interim = 0
    for digit in digits:
        interim = _DAMM[interim][int(digit)]
    return str(interim)


def coi_make(*, year: int, serial: int) -> str:
    """The chain-of-identity number, e.g. COI-2026-000123-7 (check digit over year+serial)."""
    if not 2000 <= year <= 9999:
        raise ValueError("year must have four digits")
    if serial < 1:
        raise ValueError("serial must be positive")
    body = f"{year:04d}{serial:06d}"
    return f"COI-{year:04d}-{serial:06d}-{damm_check_digit(body)}"


def coi_normalise(text: str) -> str:
    """What a scanner or a keyboard produced, as a COI: case, spaces and the odd scanner
    prefix/suffix (whitespace, control characters) do not matter; the digits do. Unicode
    NFKC first, so a keyboard-wedge scan typed through a Chinese IME in full-width mode
    (``ＣＯＩ－２０２６…``) reads as the same code."""
    text = unicodedata.normalize("NFKC", text or "")
    cleaned = "".join(ch for ch in text if ch.isprintable() and not ch.isspace())
    return cleaned.upper()


# Results of comparing a scanned code with the patient's COI.
SCAN_MATCH = "match"
SCAN_EMPTY = "empty"
SCAN_MALFORMED = "malformed"  # not a COI at all (e.g. an MRN or a lot number scanned)
SCAN_CHECK_DIGIT = "check_digit"  # looks like a COI but a digit is wrong: mistyped
SCAN_OTHER_PATIENT = "other_patient"  # a valid COI of somebody else's cells


def coi_is_valid(text: str) -> bool:
    match = COI_PATTERN.match(text)
    return bool(match) and damm_check_digit(match["year"] + match["serial"]) == match["check"]


def coi_compare(*, scanned: str, expected: str) -> str:
    """Compare a bag's code with the patient's COI. Anything but SCAN_MATCH is a refusal."""
    code = coi_normalise(scanned)
    if not code:
        return SCAN_EMPTY
    if code == expected:
        return SCAN_MATCH
    if not COI_PATTERN.match(code):
        return SCAN_MALFORMED
    if not coi_is_valid(code):
        return SCAN_CHECK_DIGIT
    return SCAN_OTHER_PATIENT
