"""A real OpenLDAP server (Debian's slapd) for the tests: its own configuration and database
in a temporary folder, on a free port, filled with a small hospital directory."""

import shutil
import socket
import subprocess
import time
from pathlib import Path

SUFFIX = "dc=hospital,dc=example"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "directory-admin-secret"
PEOPLE_BASE = f"ou=people,{SUFFIX}"
GROUPS_BASE = f"ou=groups,{SUFFIX}"

CONFIG = """
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {folder}/slapd.pid
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "{admin_dn}"
rootpw {admin_password}
directory {folder}/data
access to attrs=userPassword by self =xw by anonymous auth by * none
access to * by * read
"""


def slapd_available() -> bool:
    return Path("/usr/sbin/slapd").exists() and Path("/usr/lib/ldap").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(folder: Path) -> tuple[subprocess.Popen, str]:
    (folder / "data").mkdir(parents=True)
    conf = folder / "slapd.conf"
    conf.write_text(
        CONFIG.format(
            folder=folder, suffix=SUFFIX, admin_dn=ADMIN_DN, admin_password=ADMIN_PASSWORD
        )
    )
    port = _free_port()
    uri = f"ldap://127.0.0.1:{port}"
    # -d keeps slapd in the foreground, so the test owns (and ends) exactly this process.
    process = subprocess.Popen(
        ["/usr/sbin/slapd", "-f", str(conf), "-h", f"{uri}/", "-d", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, uri
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode()) from None
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("slapd did not start")


def fill(uri: str, people: dict[str, dict], groups: dict[str, list[str]]) -> None:
    import ldap
    import ldap.modlist

    conn = ldap.initialize(uri)
    conn.simple_bind_s(ADMIN_DN, ADMIN_PASSWORD)

    def add(dn: str, attrs: dict[str, list[str]]) -> None:
        encoded = {k: [v.encode() for v in values] for k, values in attrs.items()}
        conn.add_s(dn, ldap.modlist.addModlist(encoded))

    add(SUFFIX, {"objectClass": ["dcObject", "organization"], "dc": ["hospital"], "o": ["H"]})
    add(PEOPLE_BASE, {"objectClass": ["organizationalUnit"], "ou": ["people"]})
    add(GROUPS_BASE, {"objectClass": ["organizationalUnit"], "ou": ["groups"]})
    for uid, person in people.items():
        add(
            f"uid={uid},{PEOPLE_BASE}",
            {
                "objectClass": ["inetOrgPerson"],
                "uid": [uid],
                "cn": [f"{person['given_name']} {person['family_name']}"],
                "givenName": [person["given_name"]],
                "sn": [person["family_name"]],
                "mail": [person["mail"]],
                "userPassword": [person["password"]],
                **({"preferredLanguage": [person["locale"]]} if person.get("locale") else {}),
            },
        )
    for name, members in groups.items():
        add(
            f"cn={name},{GROUPS_BASE}",
            {
                "objectClass": ["groupOfNames"],
                "cn": [name],
                "member": [f"uid={m},{PEOPLE_BASE}" for m in members] or [ADMIN_DN],
            },
        )
    conn.unbind_s()


def stop(process: subprocess.Popen, folder: Path) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    shutil.rmtree(folder, ignore_errors=True)
