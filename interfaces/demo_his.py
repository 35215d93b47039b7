"""A stand-in hospital information system for demonstrations: builds a stream of ADT and
ORU messages as a real HIS would send them, and an MLLP client to send them. Pure apart
from the socket."""

import socket
from dataclasses import dataclass
from datetime import datetime

from . import hl7v2

LABS = [
    # LOINC, name, unit, value for round r and patient i
    ("1988-5", "C reactive protein", "mg/L", lambda r, i: 8 + 35 * ((r + i) % 4)),
    ("2276-4", "Ferritin", "ng/mL", lambda r, i: 400 + 900 * ((r + 2 * i) % 5)),
    ("3255-7", "Fibrinogen", "g/L", lambda r, i: round(3.8 - 0.6 * ((r + i) % 4), 1)),
    ("751-8", "Neutrophils", "10*9/L", lambda r, i: round(0.2 + 0.4 * ((r + i) % 5), 1)),
    ("777-3", "Platelets", "10*9/L", lambda r, i: 30 + 25 * ((r + 3 * i) % 5)),
]


@dataclass
class Demo:
    """`monitored`: (MRN, ward code) of patients in monitoring; `wards`: codes to move
    between; `attending`: a clinician's username (PV1-7)."""

    monitored: list[tuple[str, str]]
    wards: list[str]
    attending: str
    run_id: str


def _msh(kind: str, trigger: str, control_id: str, now: datetime) -> str:
    structure = f"{kind}_{trigger}"
    return (
        f"MSH|^~\\&|DEMO-HIS|CQH|CART|CQH|{now:%Y%m%d%H%M%S}||{kind}^{trigger}^{structure}"
        f"|{control_id}|P|2.5.1|||||CHN|UNICODE UTF-8"
    )


def _pv1(ward: str, attending: str, visit: str) -> str:
    return f"PV1|1|I|{ward}^01^1||||{attending}||||||||||||{visit}"


def stream(demo: Demo, round_no: int, now: datetime) -> list[tuple[str, str]]:
    """One round: a new patient admitted and registered, her record updated, a monitored
    patient transferred, and a lab panel for every monitored patient. (label, message)"""
    stamp = f"{now:%Y%m%d%H%M%S}"
    evn = f"EVN||{stamp}"
    messages = []
    mrn = f"H{demo.run_id}{round_no:02d}"
    family, given = [("宋", "玲"), ("Zhao", "Lei"), ("Wu", "Min"), ("Chen", "Jing")][round_no % 4]
    pid = f"PID|1||{mrn}^^^CQH^MR||{family}^{given}||19680312|F"
    control = f"{demo.run_id}-{round_no}"
    ward = demo.wards[round_no % len(demo.wards)]
    messages.append(
        (
            f"ADT^A01 {mrn} admitted to {ward}",
            "\r".join(
                [
                    _msh("ADT", "A01", f"{control}-A01", now),
                    evn,
                    pid,
                    _pv1(ward, demo.attending, f"V{mrn}"),
                    "OBX|1|NM|29463-7^Body weight^LN||58|kg|||||F",
                    "OBX|2|NM|8302-2^Body height^LN||162|cm|||||F",
                    "DG1|1||C83.3^Diffuse large B-cell lymphoma^I10",
                ]
            ),
        )
    )
    messages.append(
        (
            f"ADT^A08 {mrn} national ID",
            "\r".join(
                [
                    _msh("ADT", "A08", f"{control}-A08", now),
                    evn,
                    f"PID|1||{mrn}^^^CQH^MR~11010119680312{round_no:04d}^^^CHN^NI||{family}^{given}"
                    "||19680312|F",
                    _pv1(ward, demo.attending, f"V{mrn}"),
                ]
            ),
        )
    )
    if demo.monitored:
        moving, current = demo.monitored[round_no % len(demo.monitored)]
        others = [w for w in demo.wards if w != current] or demo.wards
        target = others[round_no % len(others)]
        demo.monitored[round_no % len(demo.monitored)] = (moving, target)
        messages.append(
            (
                f"ADT^A02 {moving} {current} → {target}",
                "\r".join(
                    [
                        _msh("ADT", "A02", f"{control}-A02", now),
                        evn,
                        f"PID|1||{moving}^^^CQH^MR",
                        _pv1(target, demo.attending, f"V{moving}"),
                    ]
                ),
            )
        )
    for i, (patient_mrn, _ward) in enumerate(demo.monitored):
        obx = [
            f"OBX|{n}|NM|{code}^{name}^LN||{value(round_no, i)}|{unit}|||||F"
            for n, (code, name, unit, value) in enumerate(LABS, start=1)
        ]
        messages.append(
            (
                f"ORU^R01 {patient_mrn} labs",
                "\r".join(
                    [
                        _msh("ORU", "R01", f"{control}-R01-{i}", now),
                        f"PID|1||{patient_mrn}^^^CQH^MR",
                        f"OBR|1||{control}-{i}|CBC^Monitoring panel^L|||{stamp}",
                        *obx,
                    ]
                ),
            )
        )
    return messages


def send(host: str, port: int, message: str, timeout_s: float = 30) -> str:
    """One framed message, its ACK back (MSA-1 and text)."""
    with socket.create_connection((host, port), timeout=timeout_s) as sock:
        sock.sendall(hl7v2.frame(message.encode("utf-8")))
        data = b""
        while not data.endswith(hl7v2.END_BLOCK):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    text = data.strip(b"\x0b\x1c\r").decode("utf-8", errors="replace")
    msa = next((s for s in text.split("\r") if s.startswith("MSA")), "MSA|??")
    return " ".join(msa.split("|")[1:2] + msa.split("|")[3:4])
