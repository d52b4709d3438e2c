"""The OpenAPI document against the running service: schemathesis generates requests for every
operation, as the demo centre's staff and anonymously, and checks that no answer is a server
error, every status code is documented, and every body matches its documented schema."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.runner import events, from_schema
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from booking.demo import DEMO_PASSWORD
from tests.booking.realtime import bearer, login
from tests.serverproc import running_server

pytestmark = pytest.mark.slow

# Litestar writes OpenAPI 3.1; schemathesis 3.x supports it behind this switch.
schemathesis.experimental.OPEN_API_3_1.enable()

CHECKS = (not_a_server_error, status_code_conformance, response_schema_conformance)


def run(schema: schemathesis.BaseSchema, headers: dict[str, str], examples: int) -> int:
    """Run every operation with up to ``examples`` generated cases; return how many cases ran.
    Fails with every distinct failure listed."""
    runner = from_schema(
        schema, checks=CHECKS, headers=headers, request_timeout=30_000,
        hypothesis_settings=hypothesis.settings(
            max_examples=examples, deadline=None, database=None,
            suppress_health_check=list(hypothesis.HealthCheck)))
    cases = 0
    failures: Counter[str] = Counter()
    problems: list[str] = []
    for event in runner.execute():
        if isinstance(event, events.AfterExecution):
            for check in event.result.checks:
                cases += check.name == "not_a_server_error"
                if check.value.name == "failure":
                    code = check.response.status_code if check.response else None
                    failures[f"{event.result.method} {event.result.path}: {check.name} "
                             f"({code}) {check.message or ''} body={check.example.body!r:.200}"
                             ] += 1
            problems += [f"{event.result.method} {event.result.path}: {e.exception[:500]}"
                         for e in event.result.errors]
        elif isinstance(event, events.InternalError):
            problems.append(event.exception_with_traceback[-2000:])
    assert not failures, "\n".join(failures)
    assert not problems, "\n".join(problems)
    return cases


def test_api_answers_as_its_openapi_document_says(tmp_path: Path) -> None:
    with running_server(f"sqlite:///{tmp_path / 'demo.sqlite3'}", tmp_path, demo=True) as server:
        token = login(server.url, "leitung@sieker-mitte.example", DEMO_PASSWORD)
        schema = schemathesis.from_uri(server.url + "/schema/openapi.json",
                                       base_url=server.url)
        # Staff: everything except what would end the staff's own session or account.
        as_staff = run(schema.exclude(path="/api/logout").exclude(method="DELETE",
                                                                 path="/api/me"),
                       bearer(token), examples=20)
        anonymous = run(schema, {}, examples=8)
        log = server.log.read_text()
    assert "unhandled error" not in log, log[-3000:]
    print(f"\nschemathesis: {as_staff} cases as staff, {anonymous} anonymous, "
          f"{len(list(schema.get_all_operations()))} operations")
