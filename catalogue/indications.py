"""The coded vocabulary of an indication row: post-transplant rules, drug classes, the ECOG
scale. Pure: the eligibility rules read these codes, the catalogue's models store them."""

# Post-transplant rule of an indication.
TRANSPLANT_RULE_ANY = "any"
TRANSPLANT_RULE_NOT_CANDIDATE = "not_candidate"
TRANSPLANT_RULE_FAILED_OR_NOT_CANDIDATE = "failed_or_not_candidate"
TRANSPLANT_RULES = (
    TRANSPLANT_RULE_ANY,
    TRANSPLANT_RULE_NOT_CANDIDATE,
    TRANSPLANT_RULE_FAILED_OR_NOT_CANDIDATE,
)

# Drug classes a line may contain, as far as the label indications ask (ide-cel: IMiD, PI and
# anti-CD38; cilta-cel: PI and IMiD; liso-cel CLL: BTK and BCL-2 inhibitors).
DRUG_CLASSES = (
    "anti_cd20",
    "anthracycline",
    "imid",
    "proteasome_inhibitor",
    "anti_cd38",
    "btk_inhibitor",
    "bcl2_inhibitor",
    "bispecific",
)

ECOG_RANGE = (0, 4)  # ECOG 5 is death
