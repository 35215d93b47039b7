"""HL7 v2 messages from the hospital information system: decoding, parsing and the
acknowledgement, as plain values (no Django). Parsing is python-hl7's.

Sources: HL7 v2.5.1 ch. 2 (control: MSH, MSA, ERR, original-mode acknowledgement §2.9.2,
MLLP framing in the implementation guide appendix C), table 0008 (AA/AE/AR), table 0211
(MSH-18 character sets, with GB 18030-2000 for China), table 0357 (ERR-3 error codes);
ch. 3 (ADT: PID, PV1, MRG; A01/A02/A03/A04/A08/A40); ch. 7 (ORU^R01: OBR, OBX)."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import hl7

# MLLP framing: <VT> message <FS><CR>.
START_BLOCK = b"\x0b"
END_BLOCK = b"\x1c\x0d"

# Table 0211 names → Python codecs. An absent MSH-18 means the site default.
CHARSETS = {
    "ASCII": "ascii",
    "8859/1": "latin-1",
    "8859/2": "iso8859-2",
    "8859/5": "iso8859-5",
    "8859/15": "iso8859-15",
    "UNICODE UTF-8": "utf-8",
    "UNICODE": "utf-8",
    "UTF-8": "utf-8",
    "GB 18030-2000": "gb18030",
    "GB18030": "gb18030",
    "GB2312": "gb2312",
    "ISO IR58": "gb2312",
    "BIG-5": "big5",
    "ISO IR87": "iso2022_jp",
    "KS X 1001": "euc_kr",
}

# Table 0357 error codes used in ERR-3.
SEGMENT_SEQUENCE_ERROR = "100"
REQUIRED_FIELD_MISSING = "101"
DATA_TYPE_ERROR = "102"
TABLE_VALUE_NOT_FOUND = "103"
UNSUPPORTED_MESSAGE_TYPE = "200"
UNSUPPORTED_EVENT_CODE = "201"
UNKNOWN_KEY_IDENTIFIER = "204"
APPLICATION_INTERNAL_ERROR = "207"

SUPPORTED = {
    ("ADT", "A01"),
    ("ADT", "A02"),
    ("ADT", "A03"),
    ("ADT", "A04"),
    ("ADT", "A08"),
    ("ADT", "A40"),
    ("ORU", "R01"),
}

_SEGMENT_ID = re.compile(r"^[A-Z][A-Z0-9]{2}$")


class MessageError(Exception):
    """A message we cannot act on. `reject` (AR) when it is not understood at all (framing,
    encoding, syntax, unsupported type); otherwise an application error (AE)."""

    def __init__(self, text: str, *, code: str, reject: bool = False):
        super().__init__(text)
        self.text = text
        self.code = code
        self.reject = reject


def frame(message: str | bytes, encoding: str = "utf-8") -> bytes:
    data = message.encode(encoding) if isinstance(message, str) else message
    return START_BLOCK + data + END_BLOCK


def charset_of(raw: bytes) -> str:
    """MSH-18 read from the bytes themselves: MSH is ASCII whatever the rest is."""
    first = raw.split(b"\r", 1)[0].split(b"\n", 1)[0]
    if not first.startswith(b"MSH") or len(first) < 4:
        return ""
    separator = first[3:4]
    fields = first.split(separator)
    # fields[0] is "MSH"; MSH-1 is the separator itself, so MSH-n is fields[n - 1].
    if len(fields) < 18:
        return ""
    value = fields[17].split(b"~")[0].strip()
    try:
        return value.decode("ascii")
    except UnicodeDecodeError:
        return ""


def decode(raw: bytes, *, default_charset: str = "utf-8") -> tuple[str, str]:
    """(text, codec). A charset we do not know, or bytes that are not in the declared one,
    reject the message: guessing would store a wrong name."""
    declared = charset_of(raw)
    if declared and declared.upper() not in CHARSETS:
        raise MessageError(
            f"Unsupported character set in MSH-18: {declared}",
            code=TABLE_VALUE_NOT_FOUND,
            reject=True,
        )
    codec = CHARSETS[declared.upper()] if declared else default_charset
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as error:
        raise MessageError(
            f"The message is not valid {declared or codec} (byte {error.start}); "
            "check MSH-18 against the encoding the sender uses.",
            code=DATA_TYPE_ERROR,
            reject=True,
        ) from None
    return text.replace("\r\n", "\r").replace("\n", "\r").strip("\r"), codec


def parse(text: str) -> hl7.Message:
    if not text.startswith("MSH"):
        raise MessageError(
            "The message does not start with an MSH segment.",
            code=SEGMENT_SEQUENCE_ERROR,
            reject=True,
        )
    for number, segment in enumerate(text.split("\r"), start=1):
        if not _SEGMENT_ID.match(segment[:3]) or (len(segment) > 3 and segment[3] != text[3]):
            raise MessageError(
                f"Segment {number} is not a valid segment: {segment[:20]!r}",
                code=SEGMENT_SEQUENCE_ERROR,
                reject=True,
            )
    try:
        return hl7.parse(text)
    except Exception as error:  # python-hl7 raises several kinds on broken syntax
        raise MessageError(
            f"Unparseable message: {error}", code=SEGMENT_SEQUENCE_ERROR, reject=True
        ) from None


def _get(message: hl7.Message, segment: str, field_no: int, component: int = 1) -> str:
    try:
        value = message.extract_field(segment, 1, field_no, 1, component)
    except (KeyError, IndexError):
        return ""
    return str(value or "").strip()


def _segments(message: hl7.Message, name: str) -> list:
    try:
        return list(message.segments(name))
    except KeyError:
        return []


@dataclass(frozen=True)
class Header:
    message_code: str
    trigger: str
    control_id: str
    sending_application: str
    version: str

    @property
    def message_type(self) -> str:
        return f"{self.message_code}^{self.trigger}"


def header(message: hl7.Message) -> Header:
    result = Header(
        message_code=_get(message, "MSH", 9, 1),
        trigger=_get(message, "MSH", 9, 2),
        control_id=_get(message, "MSH", 10),
        sending_application=_get(message, "MSH", 3),
        version=_get(message, "MSH", 12),
    )
    if not result.control_id or not result.message_code:
        raise MessageError(
            "MSH-9 (message type) and MSH-10 (control ID) are required.",
            code=REQUIRED_FIELD_MISSING,
            reject=True,
        )
    if (result.message_code, result.trigger) not in SUPPORTED:
        raise MessageError(
            f"Unsupported message type {result.message_type}.",
            code=UNSUPPORTED_MESSAGE_TYPE,
            reject=True,
        )
    return result


def timestamp(value: str) -> datetime | None:
    """HL7 TS/DTM: YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ]. Naive when no offset is sent."""
    value = (value or "").strip()
    if not value:
        return None
    match = re.fullmatch(r"(\d{4,14})(?:\.\d+)?([+-]\d{4})?", value)
    if not match:
        raise MessageError(f"Bad timestamp {value!r}.", code=DATA_TYPE_ERROR)
    digits, offset = match.groups()
    formats = {
        4: "%Y",
        6: "%Y%m",
        8: "%Y%m%d",
        10: "%Y%m%d%H",
        12: "%Y%m%d%H%M",
        14: "%Y%m%d%H%M%S",
    }
    if len(digits) not in formats:
        raise MessageError(f"Bad timestamp {value!r}.", code=DATA_TYPE_ERROR)
    try:
        moment = datetime.strptime(digits, formats[len(digits)])
    except ValueError:
        raise MessageError(f"Bad timestamp {value!r}.", code=DATA_TYPE_ERROR) from None
    if offset:
        sign = 1 if offset[0] == "+" else -1
        delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
        moment = moment.replace(tzinfo=timezone(sign * delta))
    return moment


def _date(value: str) -> date | None:
    moment = timestamp(value[:8]) if value else None
    return moment.date() if moment else None


@dataclass(frozen=True)
class PatientData:
    mrn: str
    national_id: str = ""
    family_name: str = ""
    given_name: str = ""
    date_of_birth: date | None = None
    sex: str = ""


def patient(message: hl7.Message) -> PatientData:
    """PID: MRN is the PID-3 repetition with identifier type MR (else the first); the
    national ID is the one typed NI (or PID-19, as older senders put it)."""
    pids = _segments(message, "PID")
    if not pids:
        raise MessageError("The message has no PID segment.", code=REQUIRED_FIELD_MISSING)
    pid = pids[0]
    mrn = national_id = ""
    repetitions = len(pid[3]) if len(pid) > 3 else 0
    for repetition in range(1, repetitions + 1):
        number = _field(pid, 3, repetition, 1)
        kind = _field(pid, 3, repetition, 5).upper()
        if kind == "NI" and not national_id:
            national_id = number
        elif kind in ("MR", "") and not mrn:
            mrn = number
    if not mrn:
        raise MessageError("PID-3 carries no medical record number.", code=REQUIRED_FIELD_MISSING)
    national_id = national_id or _field(pid, 19)
    sex = _get(message, "PID", 8).upper()
    return PatientData(
        mrn=mrn,
        national_id=national_id,
        family_name=_get(message, "PID", 5, 1),
        given_name=_get(message, "PID", 5, 2),
        date_of_birth=_date(_get(message, "PID", 7)),
        sex=sex if sex in ("F", "M", "O", "U") else ("U" if sex else ""),
    )


@dataclass(frozen=True)
class VisitData:
    ward_code: str = ""
    attending_id: str = ""
    visit_number: str = ""
    admitted_at: datetime | None = None
    discharged_at: datetime | None = None
    prior_ward_code: str = ""


def visit(message: hl7.Message) -> VisitData:
    if not _segments(message, "PV1"):
        return VisitData()
    return VisitData(
        ward_code=_get(message, "PV1", 3, 1),
        attending_id=_get(message, "PV1", 7, 1),
        visit_number=_get(message, "PV1", 19, 1),
        admitted_at=timestamp(_get(message, "PV1", 44)),
        discharged_at=timestamp(_get(message, "PV1", 45)),
        prior_ward_code=_get(message, "PV1", 6, 1),
    )


def event_time(message: hl7.Message) -> datetime | None:
    """EVN-6 (event occurred), else EVN-2 (recorded), else MSH-7."""
    if _segments(message, "EVN"):
        for number in (6, 2):
            moment = timestamp(_get(message, "EVN", number))
            if moment:
                return moment
    return timestamp(_get(message, "MSH", 7))


def prior_mrn(message: hl7.Message) -> str:
    """MRG-1: the record that is merged away (A40)."""
    value = _get(message, "MRG", 1, 1) if _segments(message, "MRG") else ""
    if not value:
        raise MessageError("A40 needs MRG-1, the prior MRN.", code=REQUIRED_FIELD_MISSING)
    return value


@dataclass(frozen=True)
class Observation:
    code: str
    coding_system: str
    name: str
    value: str
    units: str
    observed_at: datetime | None
    status: str
    local_code: str = ""
    local_system: str = ""


def _field(segment, field_no: int, repetition: int = 1, component: int = 1) -> str:
    try:
        return str(segment.extract_field(1, field_no, repetition, component, 1) or "").strip()
    except (IndexError, KeyError):
        return ""


def observations(message: hl7.Message) -> list[Observation]:
    """OBX of the message, each with the observation time of its own OBX-14 or its OBR-7.
    OBX-3 is coded (LOINC, system LN) with an optional local alternative (components 4-6)
    or, from some senders, a second repetition."""
    result = []
    observed_at = None
    for segment in message:
        name = str(segment[0])
        if name == "OBR":
            observed_at = timestamp(_field(segment, 7))
        if name != "OBX":
            continue
        local_code, local_system = _field(segment, 3, 1, 4), _field(segment, 3, 1, 6)
        if not local_code and _field(segment, 3, 2, 1):
            local_code, local_system = _field(segment, 3, 2, 1), _field(segment, 3, 2, 3)
        result.append(
            Observation(
                code=_field(segment, 3, 1, 1),
                name=_field(segment, 3, 1, 2),
                coding_system=_field(segment, 3, 1, 3),
                local_code=local_code,
                local_system=local_system,
                value=_field(segment, 5),
                units=_field(segment, 6),
                observed_at=timestamp(_field(segment, 14)) or observed_at,
                status=_field(segment, 11),
            )
        )
    return result


def acknowledgement(
    message: hl7.Message | None,
    *,
    ack_code: str,
    text: str = "",
    error_code: str = "",
    control_id: str = "",
    now: datetime | None = None,
) -> str:
    """Original-mode ACK (§2.9.2): MSH, MSA (code, the message's control ID, text) and an
    ERR on AE/AR. With no message we could parse, MSA-2 is empty."""
    clean = (text or "").replace("|", "/").replace("^", " ").replace("~", " ").replace("&", "+")
    clean = clean.replace("\\", "/").replace("\r", " ").replace("\n", " ")[:200]
    lines = []
    if message is not None:
        try:
            ack = message.create_ack(ack_code=ack_code, message_id=control_id or None)
        except Exception:  # an MSH too short for the library to answer from
            ack = None
        if ack is not None:
            lines = [line for line in str(ack).split("\r") if line]
            lines = [
                f"{line}|{clean}" if line.startswith("MSA") and clean else line for line in lines
            ]
    if not lines:
        stamp = (now or datetime.now()).strftime("%Y%m%d%H%M%S")
        original = _get(message, "MSH", 10) if message is not None else ""
        lines = [
            f"MSH|^~\\&|CART||||{stamp}||ACK|{control_id or stamp}|P|2.5.1",
            f"MSA|{ack_code}|{original}|{clean}" if clean else f"MSA|{ack_code}|{original}",
        ]
    if ack_code != "AA":
        # ERR-3 (HL7 error code, table 0357), ERR-4 severity E, ERR-8 user message.
        code = error_code or APPLICATION_INTERNAL_ERROR
        lines.append(f"ERR|||{code}^^HL70357|E||||{clean}")
    return "\r".join(lines)
