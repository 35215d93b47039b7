"""A real OpenID Connect provider (django-oauth-toolkit) in its own process on a free port,
with an RS256 key made for this run, and a script that plays the browser at the IdP."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

IDP_DIR = Path(__file__).parent / "idp_project"
CLIENT_ID = "cart-workflow"
CLIENT_SECRET = "relying-party-secret-for-tests"
PEOPLE = {
    "ada.sso": {
        "password": "ada-idp-pass",
        "given_name": "Ada",
        "family_name": "Song",
        "email": "ada@hospital.example",
        "groups": ["CART-Nurses", "Ward-7A"],
        "amr": ["pwd"],
        "locale": "zh-CN",
    },
    "ben.sso": {
        "password": "ben-idp-pass",
        "given_name": "Ben",
        "family_name": "Li",
        "email": "ben@hospital.example",
        "groups": ["cart-clinicians"],
        "amr": ["pwd", "otp"],
    },
    "alex.sso": {
        "password": "alex-idp-pass",
        "given_name": "Alex",
        "family_name": "Ma",
        "groups": ["CART-Admins"],
        "amr": ["pwd"],
    },
    "zoe.sso": {
        "password": "zoe-idp-pass",
        "given_name": "Zoe",
        "family_name": "Hu",
        "groups": ["Finance"],
        "amr": ["pwd"],
    },
}


@pytest.fixture(scope="session")
def identity_provider(tmp_path_factory):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    env = {
        **os.environ,
        "IDP_DB": str(tmp_path_factory.mktemp("idp") / "idp.sqlite3"),
        "IDP_RSA_PRIVATE_KEY": pem,
        "IDP_PEOPLE": json.dumps(PEOPLE),
        "IDP_CLIENT_ID": CLIENT_ID,
        "IDP_CLIENT_SECRET": CLIENT_SECRET,
        "IDP_REDIRECT_URIS": " ".join(
            [
                "http://testserver/accounts/sso/oidc/callback/",
                "http://testserver/accounts/sso/reauthenticate/callback/",
            ]
        ),
        "DJANGO_SETTINGS_MODULE": "idp_settings",
    }
    process = subprocess.Popen(
        [sys.executable, str(IDP_DIR / "serve.py")],
        cwd=IDP_DIR,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(process.stdout.readline().strip())
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def oidc_on(settings, identity_provider):
    """The application configured against the running IdP, as the README's settings do."""
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{identity_provider}/o/authorize/"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{identity_provider}/o/token/"
    settings.OIDC_OP_USER_ENDPOINT = f"{identity_provider}/o/userinfo/"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{identity_provider}/o/.well-known/jwks.json"
    settings.OIDC_RP_SCOPES = "openid email profile"
    return identity_provider


class IdpBrowser:
    """The person's browser at the identity provider (its own cookies)."""

    def __init__(self):
        self.session = requests.Session()
        self.password_pages = 0  # how often the IdP asked for the password

    def authorize(self, authorize_url: str, *, username: str, password: str | None) -> str:
        """Follow the IdP until it sends the browser back to the application; return that
        address. ``password=None`` means she expects no password page (already signed in)."""
        response = self.session.get(authorize_url, allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text[:500]
        location = urljoin(authorize_url, response.headers["Location"])
        if urlparse(location).path == "/login/":
            assert password is not None, "the IdP asked for the password again"
            self.password_pages += 1
            next_url = parse_qs(urlparse(location).query)["next"][0]
            response = self.session.post(
                location,
                data={"username": username, "password": password, "next": next_url},
                allow_redirects=False,
                timeout=10,
            )
            assert response.status_code == 302, response.text[:500]
            response = self.session.get(
                urljoin(authorize_url, response.headers["Location"]),
                allow_redirects=False,
                timeout=10,
            )
            assert response.status_code == 302, response.text[:500]
            location = response.headers["Location"]
        assert location.startswith("http://testserver/"), location
        return location


def app_path(url: str) -> str:
    parsed = urlparse(url)
    return f"{parsed.path}?{parsed.query}"


def sso_login(client, username: str, *, browser: IdpBrowser | None = None, next_url: str = ""):
    """Full authorization-code login of ``username``: the app's login button, the IdP's
    password page, the callback. Returns the callback's response."""
    browser = browser or IdpBrowser()
    start = client.get("/accounts/sso/oidc/login/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302
    callback = browser.authorize(
        start["Location"], username=username, password=PEOPLE[username]["password"]
    )
    return client.get(app_path(callback))


# --- LDAP: a real slapd ------------------------------------------------------------------

LDAP_PEOPLE = {
    "mei": {
        "given_name": "Mei",
        "family_name": "Song",
        "mail": "mei@h.example",
        "password": "mei-dir-pw",
        "locale": "zh-CN",
    },
    "finn": {
        "given_name": "Finn",
        "family_name": "Hale",
        "mail": "finn@h.example",
        "password": "finn-dir-pw",
    },
}
LDAP_GROUPS = {"CART-Nurses": ["mei"], "Ward-7A": ["mei"], "Finance": ["finn"]}


@pytest.fixture(scope="session")
def ldap_directory(tmp_path_factory):
    from . import slapd

    if not slapd.slapd_available():
        message = "Debian's slapd is not installed (apt-get install slapd ldap-utils)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    folder = tmp_path_factory.mktemp("slapd")
    process, uri = slapd.start(folder / "run")
    try:
        slapd.fill(uri, LDAP_PEOPLE, LDAP_GROUPS)
        yield uri
    finally:
        slapd.stop(process, folder / "run")


@pytest.fixture
def ldap_on(settings, ldap_directory):
    from sso.ldap_config import auth_ldap_settings

    from . import slapd

    settings.LDAP_ENABLED = True
    for name, value in auth_ldap_settings(
        server_uri=ldap_directory,
        bind_dn=slapd.ADMIN_DN,
        bind_password=slapd.ADMIN_PASSWORD,
        user_search_base=slapd.PEOPLE_BASE,
        group_search_base=slapd.GROUPS_BASE,
    ).items():
        setattr(settings, name, value)
    return ldap_directory
