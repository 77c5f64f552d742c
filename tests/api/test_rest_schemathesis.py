"""Property-based run of every REST operation from the generated OpenAPI document
(schemathesis): no answer is a 5xx, every answer's status, content type and body match
the schema. Runs as a customer with money, tariffs on sale and a license of their own."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from ispgo_portal.api.rest import openapi_document
from ispgo_portal.services.licensing import licenses

schema = schemathesis.openapi.from_dict(openapi_document())
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def fuzz_token(make_customer, make_token, make_tariff) -> str:
    user = make_customer(balance=10_000_000, credit_limit=100_000)
    tariff = make_tariff(price=1_000)
    licenses.buy_from_balance(user_id=user, tariff_id=tariff)
    return make_token(user, "read,write")


@schema.parametrize()
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_every_operation_matches_its_schema(case, portal_api, fuzz_token) -> None:
    case.call_and_validate(base_url=portal_api.url, headers={"Authorization": f"Bearer {fuzz_token}"},
                           checks=CHECKS)
