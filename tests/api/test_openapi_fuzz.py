"""Schemathesis over the generated OpenAPI schema: no generated request makes the server fail (5xx).

Requests are generated from the schema for every operation, with an administrator's token
(the widest access, so the handlers themselves run) and, for the document routes, real
stored documents to point at. Only ``not_a_server_error`` is checked: 4xx answers to
nonsense are correct.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.api.conftest import Person

pytestmark = pytest.mark.storage


def _app():  # type: ignore[no-untyped-def]
    from api.app import create_app

    return create_app()


# The app reads its data directory per request, so one app serves every test's fresh database
# (the ``people`` fixture builds it); loading the schema needs no database at all.
schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_generated_request_causes_a_server_error(case, people: dict[str, Person]) -> None:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {people['admin'].token}"}
    response = case.call(headers=headers)
    case.validate_response(response, checks=[not_a_server_error], headers=headers)
