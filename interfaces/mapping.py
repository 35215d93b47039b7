"""Codes of the hospital system → this programme's values. Pure: no Django.

ICD-10 (WHO 2019, and the Chinese national clinical edition 2.0 which shares these
categories) for the indications of the approved CAR-T products (clinical reference §4);
LOINC 2.77 for the body measurements sent as OBX with an admission."""

from decimal import Decimal, InvalidOperation

# Longest prefix wins: C83.3 (diffuse large B-cell) before C83 (non-follicular lymphoma).
ICD10_DIAGNOSIS = {
    "C83.3": "LBCL",  # diffuse large B-cell lymphoma
    "C83.8": "LBCL",  # other non-follicular lymphoma (HGBCL is coded here)
    "C85.2": "LBCL",  # mediastinal (thymic) large B-cell lymphoma (PMBCL)
    "C83.1": "MCL",  # mantle cell lymphoma
    "C82": "FL",  # follicular lymphoma (C82.0–C82.9)
    "C91.0": "B-ALL",  # acute lymphoblastic leukaemia
    "C83.5": "B-ALL",  # lymphoblastic lymphoma
    "C91.1": "CLL/SLL",  # chronic lymphocytic leukaemia of B-cell type
    "C83.0": "CLL/SLL",  # small cell B-cell lymphoma
    "C90.0": "MM",  # multiple myeloma
}

# LOINC: 29463-7 body weight, 8302-2 body height. Units per UCUM.
WEIGHT_LOINC = {"29463-7", "3141-9"}
HEIGHT_LOINC = {"8302-2", "8306-3"}
WEIGHT_TO_KG = {"kg": Decimal(1), "g": Decimal("0.001"), "[lb_av]": Decimal("0.45359237")}
HEIGHT_TO_CM = {"cm": Decimal(1), "m": Decimal(100), "mm": Decimal("0.1")}


def diagnosis_for_icd10(code: str) -> str | None:
    code = (code or "").strip().upper()
    if code and "." not in code and len(code) > 3:
        code = f"{code[:3]}.{code[3:]}"  # senders often drop the dot: C833 → C83.3
    for prefix in sorted(ICD10_DIAGNOSIS, key=len, reverse=True):
        if code.startswith(prefix):
            return ICD10_DIAGNOSIS[prefix]
    return None


def measure(value: str, units: str, table: dict[str, Decimal]) -> Decimal | None:
    """A numeric OBX in one of the table's units, converted; None if not one of them."""
    factor = table.get((units or "").strip())
    if factor is None:
        return None
    try:
        return (Decimal(value.strip()) * factor).quantize(Decimal("0.1"))
    except (InvalidOperation, AttributeError):
        return None


# LOINC → monitoring analyte (LOINC 2.77 long names in the comments).
LOINC_ANALYTE = {
    "1988-5": "crp",  # C reactive protein [Mass/volume] in Serum or Plasma
    "30522-7": "crp",  # C reactive protein [Mass/volume] in Serum or Plasma by High sensitivity
    "2276-4": "ferritin",  # Ferritin [Mass/volume] in Serum or Plasma
    "3255-7": "fibrinogen",  # Fibrinogen [Mass/volume] in Platelet poor plasma by Coag assay
    "751-8": "anc",  # Neutrophils [#/volume] in Blood by Automated count
    "26499-4": "anc",  # Neutrophils [#/volume] in Blood
    "753-4": "anc",  # Neutrophils [#/volume] in Blood by Manual count
    "777-3": "platelets",  # Platelets [#/volume] in Blood by Automated count
    "26515-7": "platelets",  # Platelets [#/volume] in Blood
    # Screening labs, pre-collection counts and CAR-HEMATOTOX inputs (issue 18).
    "718-7": "haemoglobin",  # Hemoglobin [Mass/volume] in Blood
    "731-0": "alc",  # Lymphocytes [#/volume] in Blood by Automated count
    "26474-7": "alc",  # Lymphocytes [#/volume] in Blood
    "732-8": "alc",  # Lymphocytes [#/volume] in Blood by Manual count
    "8124-0": "cd3",  # CD3 cells [#/volume] in Blood
    "2532-0": "ldh",  # Lactate dehydrogenase [Enzymatic activity/volume] in Serum or Plasma
    "14804-9": "ldh",  # Lactate dehydrogenase ... by Lactate to pyruvate reaction
    "1975-2": "bilirubin",  # Bilirubin.total [Mass/volume] in Serum or Plasma
    "14631-6": "bilirubin",  # Bilirubin.total [Moles/volume] in Serum or Plasma
    "1742-6": "alt",  # Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma
    "1920-8": "ast",  # Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma
    "2164-2": "crcl",  # Creatinine renal clearance in 24 hour Urine and Serum or Plasma
}

# Every test a result may carry here, for the administrators' local-code table.
LAB_TESTS = {
    "crp": "CRP",
    "ferritin": "Ferritin",
    "fibrinogen": "Fibrinogen",
    "anc": "ANC",
    "platelets": "Platelets",
    "haemoglobin": "Haemoglobin",
    "alc": "ALC",
    "cd3": "CD3+",
    "ldh": "LDH",
    "bilirubin": "Bilirubin",
    "alt": "ALT",
    "ast": "AST",
    "crcl": "CrCl",
}

# OBX-11 result status: F final, C corrected; P preliminary is shown too (CRS decisions
# do not wait for a final sign-off). X (cannot be obtained), D (deleted) and W (wrong
# patient) are not values.
RESULT_STATUSES_STORED = {"F", "C", "P", "R", ""}
