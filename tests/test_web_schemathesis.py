"""Schemathesis generates requests from the API's own OpenAPI document: none may end in a 5xx.

Run as an admin so that every operation is reached past authentication, in-process over ASGI,
against a real database of simulated posts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.openapi import from_asgi
from schemathesis.schemas import BaseSchema

from voxpop.ingest import ingest
from voxpop.simulate import write_simulation
from voxpop.store import Store
from voxpop.web import create_app
from voxpop.web.security import create_token

TOKEN: dict[str, str] = {}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BaseSchema]:
    root = tmp_path_factory.mktemp("schemathesis")
    write_simulation(root / "sim", posts=2000, accounts=100, seed=5, days=1.0)
    with Store(root / "voxpop.duckdb") as store:
        ingest(store, [root / "sim" / "posts.jsonl"])
        TOKEN["value"] = create_token(store, "fuzz", "admin")
        app = create_app(store, rules_path=root / "rules.toml", warm=False)
        with TestClient(app):  # runs the lifespan: the writer and caches are up
            yield from_asgi("/api/v1/openapi.json", app, headers=_auth())


def _auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN['value']}"}


def test_no_server_errors(api_schema: BaseSchema) -> None:
    operations = [r.ok() for r in api_schema.get_all_operations() if isinstance(r, Ok)]
    assert len(operations) >= 15
    statuses: Counter[int] = Counter()
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
        def run(case: schemathesis.Case[Any]) -> None:
            response = case.call_and_validate(headers=_auth(), checks=[not_a_server_error])
            statuses[response.status_code] += 1

        run()
    # The admin token got every request past authentication, and many were answered.
    assert statuses[401] == 0 and statuses[403] == 0
    assert statuses[200] > 50, statuses
