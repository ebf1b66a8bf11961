"""An app bound to the test's connection, and an HTTP client against it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection

from homebound.config import Settings
from homebound.web.app import create_app
from tests.conftest import Backend


@pytest.fixture
def client(backend: Backend, connection: Connection) -> Iterator[TestClient]:
    settings = Settings(environment="test", database_url=backend.url)
    with TestClient(create_app(settings, bind=connection), raise_server_exceptions=False) as test_client:
        yield test_client
