"""A real OpenID Connect provider for the tests: django-oauth-toolkit in its own small Django
project, run in its own process by serve.py (tests/sso/conftest.py starts it on a free port).
Nothing here is part of the application."""

import json
import os

SECRET_KEY = "test-identity-provider-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "idp_urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["IDP_DB"]}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "/login/"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": os.environ["IDP_RSA_PRIVATE_KEY"],
    "SCOPES": {
        "openid": "OpenID Connect",
        "email": "E-mail",
        "profile": "Profile",
        "groups": "Groups",
    },
    "OAUTH2_VALIDATOR_CLASS": "idp_validators.HospitalDirectoryValidator",
    "PKCE_REQUIRED": True,
}
# The directory: username -> password, names, groups and the authentication methods (amr)
# the IdP reports for her (["pwd", "otp"] for someone who uses a second factor there).
IDP_PEOPLE = json.loads(os.environ["IDP_PEOPLE"])
