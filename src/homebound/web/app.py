"""The FastAPI app factory: settings in, app out; nothing is built at import time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from sqlalchemy import Connection, Engine

from homebound import __version__
from homebound.config import Settings
from homebound.db.custody import key_custody
from homebound.db.engine import make_engine
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.clock import Clock, system_clock
from homebound.services.match_index import default_cache
from homebound.services.throttle import SignInThrottle, ThrottlePolicy
from homebound.web import errors, openapi, ui
from homebound.web.client_address import trusted_networks
from homebound.web.federation_inbox import INBOX_PATH, InboxLimiter, inbox
from homebound.web.hardening import DOCS_PATH, InputGuardMiddleware, secure_headers
from homebound.web.idempotency import IdempotencyMiddleware
from homebound.web.numbers import is_plain_number
from homebound.web.routes import (
    accounts,
    agreements,
    checkpoints,
    deaths,
    handover,
    inquiries,
    lists,
    log,
    matching,
    persons,
    privacy,
    reconciliation,
    vehicles,
    will_interviews,
)
from homebound.web.routes import requests as request_routes

DESCRIPTION = """
Registries of held and sought persons, family inquiries, list import and export, and the action log
of **Homebound**. Every error is `application/problem+json` (RFC 9457) with a machine `code` and the
`field` at fault.
Authenticate with `Authorization: Bearer <token>` (from `/api/v1/auth/sign-in` or `homebound users token`).
"""


# A family's case secret: fewer tries per address than a password (each costs an Argon2 hash, and no one
# needs more than a few); a case code's back-off holds only the addresses that failed on it. Right answers
# count too (anyone can file an inquiry and hold a valid secret): 30 look-ups per address in 15 minutes.
INQUIRY_THROTTLE = ThrottlePolicy(per_target=5, per_pair=5, per_address=10, per_address_attempts=30)


def create_app(
    settings: Settings, *, bind: Engine | Connection | None = None, clock: Clock = system_clock
) -> FastAPI:
    """Build the app. `bind` lets tests hand in a connection inside an outer transaction, `clock` set the
    time that the second factor and the throttles read."""
    app = FastAPI(
        title="Homebound",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        docs_url=None if settings.environment == "production" else DOCS_PATH,
        redoc_url=None,
    )
    engine = bind if bind is not None else make_engine(settings.database_url, echo=settings.log_sql)
    app.state.settings = settings
    keys = key_custody(settings.key_dir, settings.data_secret_text())
    app.state.uows = UnitOfWorkFactory(engine, keys, match_on_arrival=settings.match_on_arrival)
    default_cache().max_records = settings.match_index_max_records
    app.state.clock = clock
    app.state.trusted_proxies = trusted_networks(settings.trusted_proxies)
    app.state.sign_in_throttle = SignInThrottle(app.state.uows, clock=clock)
    app.state.inquiry_throttle = SignInThrottle(
        app.state.uows, INQUIRY_THROTTLE, clock=clock, scope="inquiry-status"
    )
    app.state.password_cost = settings.password_cost()
    errors.install(app)
    app.state.inbox_limiter = InboxLimiter(settings.inbox_rate_per_minute)
    app.add_route(INBOX_PATH, inbox, methods=["POST"], include_in_schema=False)
    for module in (
        accounts,
        persons,
        deaths,
        lists,
        inquiries,
        log,
        checkpoints,
        agreements,
        handover,
        vehicles,
        matching,
    ):
        app.include_router(module.router)
    app.include_router(reconciliation.router)
    app.include_router(will_interviews.router)
    app.include_router(privacy.router)
    app.include_router(request_routes.router)
    app.include_router(ui.router)
    app.mount("/static", ui.static_files(), name="static")
    openapi.install(app)
    # Each added middleware wraps the ones before it; the guard below is outermost. The input guard counts
    # body bytes (a streamed body has no Content-Length) before the idempotency layer reads a body.
    app.add_middleware(
        IdempotencyMiddleware,
        api=app,
        write_concurrency=settings.write_concurrency or (1 if engine.dialect.name == "sqlite" else 8),
    )
    app.add_middleware(InputGuardMiddleware, max_body_bytes=settings.max_upload_bytes)

    @app.get("/api/v1/health", tags=["public"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        if (
            length is not None
            and is_plain_number(length, digits=18)
            and int(length) > settings.max_upload_bytes
        ):
            return errors.problem(
                413, "payload_too_large", f"bodies are limited to {settings.max_upload_bytes} bytes"
            )
        response = await call_next(request)
        secure_headers(request.url.path, response.headers)
        return response

    return app
