"""Hostile input: schemathesis generates requests from the OpenAPI schema for every API
operation. No request may cause a server error, and every documented response must match
its schema."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from schemathesis.specs.openapi import checks as openapi_checks

from cart_workflow.wsgi import application
from core.services import api_token_create

# Schemathesis calls the WSGI application directly, as a server would, so each request ends
# with Django's connection clean-up: run outside a test transaction, in autocommit, as in
# production (inside one, PostgreSQL's connection would be closed after the first request).
pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = [checks.not_a_server_error, openapi_checks.response_schema_conformance]
FUZZ = settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def operations():
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(document)
    schema.app = application
    return [result.ok() for result in schema.get_all_operations()]


def test_every_api_operation_survives_generated_input(dr_ben, patient_7a):
    headers = {"Authorization": f"Token {api_token_create(user=dr_ben)[1]}"}
    failures = []
    tried = 0
    for operation in operations():

        @FUZZ
        @given(case=operation.as_strategy())
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        tried += 1
        try:
            run()
        except Exception as error:  # collect every operation's failure, then report all
            failures.append(f"{operation.method.upper()} {operation.path}: {error}"[:600])
    assert tried > 20
    assert not failures, "\n\n".join(failures)
