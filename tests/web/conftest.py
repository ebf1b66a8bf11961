"""An app bound to the test's connection, and an HTTP client against it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection

from homebound.config import Settings
from homebound.web.app import create_app
from tests.clock import SetClock
from tests.conftest import Backend


@pytest.fixture
def clock() -> SetClock:
    """The app's clock: the tests take second-factor codes from it and move it instead of waiting."""
    return SetClock()


@pytest.fixture
def client(backend: Backend, connection: Connection, clock: SetClock) -> Iterator[TestClient]:
    settings = Settings(environment="test", database_url=backend.url)
    app = create_app(settings, bind=connection, clock=clock)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
