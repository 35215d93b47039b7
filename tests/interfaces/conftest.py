"""The HL7 listener runs for real on a free port; tests talk to it over TCP with MLLP
framing, as the hospital system does."""

import socket
import threading

import pytest

from interfaces import hl7v2
from interfaces.listener import make_server
from tests.factories import UserFactory, WardFactory


@pytest.fixture
def listener(transactional_db):
    server = make_server("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def exchange(port: int, *payloads: bytes) -> list[str]:
    """Send framed payloads on one connection; return each ACK, decoded as UTF-8/GB18030."""
    answers = []
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        for payload in payloads:
            sock.sendall(payload)
            data = b""
            while not data.endswith(hl7v2.END_BLOCK):
                chunk = sock.recv(65536)
                assert chunk, "listener closed the connection without an ACK"
                data += chunk
            assert data.startswith(hl7v2.START_BLOCK)
            body = data[1 : -len(hl7v2.END_BLOCK)]
            try:
                answers.append(body.decode("utf-8"))
            except UnicodeDecodeError:
                answers.append(body.decode("gb18030"))
    return answers


def send(port: int, message: str, encoding: str = "utf-8") -> str:
    return exchange(port, hl7v2.frame(message.encode(encoding)))[0]


def msa(ack: str) -> list[str]:
    line = next(seg for seg in ack.split("\r") if seg.startswith("MSA"))
    return line.split("|")


def msh(
    trigger: str,
    control_id: str,
    *,
    code: str = "ADT",
    charset: str = "UNICODE UTF-8",
    when: str = "20260615090000",
) -> str:
    structure = f"{code}_{trigger}" if code == "ADT" else "ORU_R01"
    return (
        f"MSH|^~\\&|HIS|CQH|CART|CQH|{when}||{code}^{trigger}^{structure}|{control_id}|P|2.5.1"
        f"|||||CHN|{charset}"
    )


def pid(mrn: str, family: str = "Liu", given: str = "Fang", dob: str = "19700517", sex="F"):
    return f"PID|1||{mrn}^^^CQH^MR||{family}^{given}||{dob}|{sex}"


def pv1(ward: str, attending: str = "ben", visit: str = "V1") -> str:
    return f"PV1|1|I|{ward}^01^1||||{attending}^Li^Ben||||||||||||{visit}"


def adt(trigger: str, control_id: str, *segments: str, **header) -> str:
    return "\r".join(
        [msh(trigger, control_id, **header), f"EVN|{trigger}|20260615085500"] + list(segments)
    )


@pytest.fixture
def icu(transactional_db):
    return WardFactory(code="icu", name="Haematology ICU")


@pytest.fixture
def nurse_ivy(icu):
    return UserFactory(username="ivy", first_name="Ivy", roles=["nurse"], wards=[icu])
