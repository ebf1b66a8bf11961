"""Schemathesis against our own OpenAPI document, as each role and as the anonymous public: no 5xx, every
answer as documented (status, content type, body schema), and every refusal of input naming the field.

Examples per operation and backend: HOMEBOUND_FUZZ_EXAMPLES (25 in CI, 100 in the release run), each sent
as every one of the five signed-in roles and as the public (so every operation meets every role, each role
the same examples); HOMEBOUND_FUZZ_PER_ROLE=1 also generates every role its own (the release run). The
negative pass (data that breaks the schema on purpose) runs a third as many.
Deterministic unless HOMEBOUND_FUZZ_RANDOM=1.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from homebound.web.app import create_app
from tests.reliability.conftest import LiveDatabase

EXAMPLES = int(os.environ.get("HOMEBOUND_FUZZ_EXAMPLES", "25"))
ROLES = ["a_admin", "a_operator", "a_observer", "mediator", "med_observer", "public"]
FIELD_REFUSALS = {400, 412, 415, 422, 428}


def names_the_field(_ctx: Any, response: Any, _case: Any) -> bool | None:
    """A refusal of the input says where: the problem's `field`."""
    if response.status_code not in FIELD_REFUSALS:
        return None
    body = response.json()
    if not (isinstance(body.get("field"), str) and body["field"]):
        raise AssertionError(f"{response.status_code} {body.get('code')} names no field")
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    names_the_field,
]


@pytest.fixture(scope="module")
def app(live: LiveDatabase) -> Iterator[FastAPI]:
    built = create_app(live.settings())
    yield built
    built.state.uows.bind.dispose()


def _fuzz(
    operation: Any, mode: GenerationMode, callers: dict[str, dict[str, str]], examples: int
) -> str | None:
    """Up to `examples` cases of one operation, each sent as every one of the callers; the failure, if any."""

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=os.environ.get("HOMEBOUND_FUZZ_RANDOM") != "1",
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        for caller in sorted(callers):
            response = case.call(headers=callers[caller])
            try:
                case.validate_response(response, checks=CHECKS, headers=callers[caller])
            except (Exception, BaseExceptionGroup) as failure:
                failure.add_note(f"sent as {caller}")
                raise

    try:
        run()
    except Unsatisfiable:
        return None
    except (Exception, BaseExceptionGroup) as failure:  # one report naming every failing operation
        return f"{operation.method.upper()} {operation.path} [{mode.value}]: {str(failure)[:1500]}"
    return None


@pytest.mark.slow
def test_api_holds_to_its_schema(app: FastAPI, live: LiveDatabase) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    callers = {role: ({} if role == "public" else live.world.headers(role)) for role in ROLES}
    # CI: every example is sent as each of the six; the release run also generates each role its own.
    per_role = os.environ.get("HOMEBOUND_FUZZ_PER_ROLE") == "1"
    groups = [{role: callers[role]} for role in ROLES] if per_role else [callers]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    failures, timings = [], []
    for group in groups:
        for operation in operations:
            for mode, examples in (
                (GenerationMode.POSITIVE, EXAMPLES),
                (GenerationMode.NEGATIVE, EXAMPLES // 3),
            ):
                started = time.perf_counter()
                failure = _fuzz(operation, mode, group, max(1, examples))
                name = f"{operation.method.upper()} {operation.path} {mode} {'/'.join(group)}"
                timings.append((time.perf_counter() - started, name))
                if failure:
                    failures.append(failure)
    if os.environ.get("HOMEBOUND_FUZZ_TIMINGS") == "1":
        print(
            *(f"{seconds:6.2f} s  {name}" for seconds, name in sorted(timings, reverse=True)[:20]), sep="\n"
        )
    assert not failures, "\n\n".join(failures)
