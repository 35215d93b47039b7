"""The COI label's scannable code: a QR code drawn server-side as SVG (segno, pure Python),
so the label prints with no CDN and no script."""

import segno
from django.utils.safestring import SafeString, mark_safe

from . import rules


def coi_qr_svg(coi_id: str, *, scale: int = 4) -> SafeString:
    """The COI ID as a QR code (error correction M: a smudged label still scans)."""
    if not rules.coi_is_valid(coi_id):
        raise ValueError("not a valid COI ID")
    code = segno.make(coi_id, error="m", micro=False)
    # segno writes only the SVG of a validated COI ID (digits, capitals and hyphens).
    return mark_safe(code.svg_inline(scale=scale, title=coi_id, svgclass="coi-qr", omitsize=True))  # noqa: S308
