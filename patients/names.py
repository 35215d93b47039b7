"""How a patient's name is printed, in one place. Pure: no Django.

Chinese names are written family name first, then given name, with no comma and no space
(宋玲), as on a Chinese identity card and in Chinese medical records (GB/T 28039-2011 keeps
the same order for the romanised form). Western names keep the chart's habit: the family
name in capitals, a comma, then the given name (SONG, Ling), so the family name stands out
at the bedside.
"""

import re

# CJK Unified Ideographs (with extension A and the supplementary planes) and compatibility
# ideographs; the interpunct "·" of minority names (阿依古丽·买买提) is kept as written.
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def is_chinese_name(text: str) -> bool:
    return bool(_HAN.search(text or ""))


def patient_display_name(family_name: str, given_name: str) -> str:
    family = (family_name or "").strip()
    given = (given_name or "").strip()
    if is_chinese_name(family) or is_chinese_name(given):
        return f"{family}{given}"
    if not given:
        return family.upper()
    if not family:
        return given
    return f"{family.upper()}, {given}"
