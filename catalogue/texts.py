"""The sentences the catalogue's rules write, as code -> msgid (issue 17): stored and shown
through core.system_text in the reader's language. The codes are catalogue/dosing.py's.

And the reference data the catalogue was seeded with (indications and their doses, the
lymphodepletion regimens' names and notes): English rows an administrator may edit. A row
that still says what the seed said is shown in the reader's language (seeded_text); a row an
administrator has rewritten is shown as typed."""

from django.utils.translation import gettext, gettext_noop

from . import dosing

TEXTS = {
    dosing.DOSE_PER_KG: gettext_noop("%(per_kg)s mg/kg × %(weight)s kg = %(dose)s mg"),
    dosing.DOSE_ROUNDED: gettext_noop("rounded to %(dose)s mg (nearest %(step)s mg)"),
    dosing.TOCILIZUMAB_PAEDIATRIC_DOSE: gettext_noop(
        "%(per_kg)s mg/kg (weight < %(below)s kg) × %(weight)s kg = %(dose)s mg"
    ),
    dosing.TOCILIZUMAB_CAPPED: gettext_noop("capped at the %(max)s mg maximum dose"),
    dosing.TOCILIZUMAB_TOTAL_REACHED: gettext_noop(
        "%(n)s doses already given; at most %(max)s in total."
    ),
    dosing.TOCILIZUMAB_DAY_REACHED: gettext_noop(
        "%(n)s doses in the last 24 h; at most %(max)s in any 24 h."
    ),
    dosing.TOCILIZUMAB_TOO_SOON: gettext_noop(
        "Only %(since)s since the previous dose; wait at least %(interval)s."
    ),
    dosing.TOCILIZUMAB_FIRST: gettext_noop("First dose (at most %(max)s in total)."),
    dosing.TOCILIZUMAB_NEXT: gettext_noop(
        "Dose %(n)s of at most %(max)s; %(in_day)s in the last 24 h (at most %(max_day)s); "
        "%(since)s since the previous dose (at least %(interval)s)."
    ),
    dosing.DURATION_HOURS: gettext_noop("%(h)s h"),
    dosing.DURATION_HOURS_MINUTES: gettext_noop("%(h)s h %(m)s min"),
}

# What eligibility/migrations/0002 and 0004 and catalogue/regimens.py seeded, word for word
# (tests/catalogue/test_seeded_texts.py checks that every seeded row is here).
SEEDED = frozenset(
    {
        # Indications (ProductIndication.description).
        gettext_noop("LBCL after ≥ 2 lines of systemic therapy"),
        gettext_noop("Relapsed or refractory FL after ≥ 2 lines"),
        gettext_noop("LBCL refractory to first line or relapsed ≤ 12 months"),
        gettext_noop("FL after ≥ 2 lines of systemic therapy"),
        gettext_noop("B-ALL, refractory or relapsed, up to age 25"),
        gettext_noop("LBCL second line: refractory or relapsed ≤ 12 months"),
        gettext_noop("LBCL second line, not a transplant candidate"),
        gettext_noop("CLL/SLL after ≥ 2 lines incl. BTK and BCL-2 inhibitors"),
        gettext_noop("Adult relapsed or refractory MCL"),
        gettext_noop("Adult relapsed or refractory B-ALL"),
        gettext_noop("Myeloma after ≥ 2 lines incl. an IMiD, a PI and an anti-CD38"),
        gettext_noop("Myeloma after ≥ 1 line incl. a PI and an IMiD, lenalidomide-refractory"),
        gettext_noop("B-ALL up to age 25, refractory or in second or later relapse"),
        gettext_noop("LBCL refractory to first-line chemoimmunotherapy or relapsed ≤ 12 months"),
        gettext_noop("FL refractory or relapsing within 24 months of second-line or later therapy"),
        gettext_noop("MCL after ≥ 2 lines incl. a BTK inhibitor"),
        gettext_noop("MZL after ≥ 2 lines of systemic therapy"),
        # Their doses (ProductIndication.dose_text).
        gettext_noop("100 × 10⁶ CAR+ T cells"),
        gettext_noop("2 × 10⁶ CAR+ T cells/kg, max 2 × 10⁸"),
        gettext_noop("Weight-banded per label — confirm"),
        gettext_noop("0.6–6.0 × 10⁸ CAR+ T cells"),
        gettext_noop("50–110 × 10⁶ CAR+ T cells"),
        gettext_noop("Per label — confirm"),
        gettext_noop("300–510 × 10⁶ CAR+ T cells"),
        gettext_noop("0.5–1.0 × 10⁶ CAR+ T cells/kg, max 1 × 10⁸"),
        gettext_noop("410 × 10⁶ CAR+ T cells, split Day 1 / Day 10"),
        # Lymphodepletion regimens (catalogue/regimens.py): names and notes.
        gettext_noop("Relma-cel (Carteyva): flu 25 + cy 250 mg/m², Day −5 to −3"),
        gettext_noop("Axi-cel (Yescarta): cy 500 + flu 30 mg/m², Day −5, −4, −3"),
        gettext_noop("Brexu-cel (Tecartus) MCL: cy 500 + flu 30 mg/m², Day −5, −4, −3"),
        gettext_noop("MCL only; the adult B-ALL regimen is different and not in this table."),
        gettext_noop("Tisa-cel (Kymriah) LBCL/FL: flu 25 + cy 250 mg/m² × 3 days"),
        gettext_noop("Tisa-cel (Kymriah) B-ALL: flu 30 mg/m² × 4 days + cy 500 mg/m² × 2 days"),
        gettext_noop("Days −6 to −3 (flu) and −6, −5 (cy) are an institutional default — review."),
        gettext_noop("Liso-cel (Breyanzi): flu 30 + cy 300 mg/m² × 3 days"),
        gettext_noop("Ide-cel (Abecma): flu 30 + cy 300 mg/m² × 3 days"),
        gettext_noop("Cilta-cel (Carvykti): flu 30 + cy 300 mg/m² × 3 days"),
        gettext_noop("Obe-cel (Aucatzyl) B-ALL: flu 30 mg/m² × 4 days + cy 500 mg/m² × 2 days"),
        gettext_noop(
            "UNVERIFIED — institutional default, review against the Aucatzyl label. Obe-cel is "
            "given as a split dose (Day 1 and Day 10); check which day the schedule counts from."
        ),
    }
)


def seeded_text(value: str) -> str:
    """A catalogue text in the reader's language if it is still the seed's wording; an
    administrator's own wording as typed (it is never run through gettext)."""
    return gettext(value) if value in SEEDED else value
