"""Idempotent writes: a retried request gets the first answer, stored in the same commit as the change.

For every state-changing API request (see write_policy) this middleware, after the caller is known:
checks the body's content type (415), requires an `Idempotency-Key` (400), replays a stored answer for a
key already used with the same request, refuses a key used with another request (422), and otherwise
runs the request inside one shared transaction. The route's units of work join that transaction as
savepoints; the answer is recorded on the key's row, and only then is everything committed and the answer
sent. A crash leaves the change and its answer together or neither. Identical concurrent requests meet
at the key's unique row: one acts, the others wait for it and replay its answer.

Only successful (2xx) answers are stored: a refused request changed nothing, so repeating it is safe.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from homebound.core.access import PUBLIC_ACTOR, Actor
from homebound.core.errors import NotAuthenticated
from homebound.db import idempotency as store
from homebound.db.uow import SharedTransaction, UnitOfWorkFactory
from homebound.services.accounts import actor_for_token
from homebound.web import errors
from homebound.web.deps import ACTOR_STATE, UOWS_STATE
from homebound.web.hardening import BodyTooLarge, json_problem
from homebound.web.write_policy import (
    IDEMPOTENCY_HEADER,
    WritePolicy,
    content_type_accepted,
    match_write,
    media_type,
    valid_key,
)

_KEPT_HEADERS = ("content-type", "etag", "location", "content-disposition")
log = logging.getLogger("homebound.web")
T = TypeVar("T")


@dataclass
class _Captured:
    """A response held back until its transaction has committed."""

    status: int = 500
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.body.extend(message.get("body", b""))

    def answer(self) -> store.StoredAnswer:
        kept = {
            k.decode().lower(): v.decode() for k, v in self.headers if k.decode().lower() in _KEPT_HEADERS
        }
        return store.StoredAnswer(self.status, bytes(self.body), kept)

    async def forward(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": bytes(self.body)})


@dataclass(frozen=True)
class _Keyed:
    material: store.KeyMaterial
    mac: str


def canonical_request(scope: Scope, headers: dict[str, str], body: bytes) -> bytes:
    """What makes two requests "the same": method, path, query, If-Match and the body's content.

    JSON is compared by value (key order and spacing do not matter); a multipart body without its
    boundary, which clients draw afresh for each attempt.
    """
    media = media_type(headers.get("content-type"))
    content = body
    if media == "application/json":
        try:
            content = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
        except ValueError:
            content = body
    elif media == "multipart/form-data":
        boundary = _boundary(headers.get("content-type", ""))
        if boundary:
            content = body.replace(boundary.encode("latin-1"), b"")
    parts = [
        scope["method"],
        scope["path"],
        scope.get("query_string", b"").decode("latin-1"),
        headers.get("if-match", ""),
        media or "",
        hashlib.sha256(content).hexdigest(),
    ]
    return json.dumps(parts).encode()


def _boundary(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "boundary":
            return value.strip('"')
    return None


async def _thread(fn: Callable[..., T], *args: Any) -> T:
    return await anyio.to_thread.run_sync(fn, *args)


class IdempotencyMiddleware:
    """Pure ASGI, inside the size guard and outside the routes; see the module docstring."""

    def __init__(self, app: ASGIApp, *, api: FastAPI, write_concurrency: int) -> None:
        self.app = app
        self.api = api
        self.write_concurrency = write_concurrency
        self._gate: asyncio.Semaphore | None = None
        self._gate_loop: asyncio.AbstractEventLoop | None = None

    @property
    def uows(self) -> UnitOfWorkFactory:
        uows: UnitOfWorkFactory = self.api.state.uows
        return uows

    def gate(self) -> asyncio.Semaphore:
        # Bounds the writing transactions in flight, waiting on the event loop rather than in threads:
        # a transaction holding the log head must always find a thread to finish in.
        loop = asyncio.get_running_loop()
        if self._gate is None or self._gate_loop is not loop:
            self._gate, self._gate_loop = asyncio.Semaphore(self.write_concurrency), loop
        return self._gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        policy = match_write(self.api, scope) if scope["type"] == "http" else None
        if policy is None:
            await self.app(scope, receive, send)
            return
        try:
            body = await _read_body(receive)
        except BodyTooLarge as exc:
            await errors.problem(413, "payload_too_large", str(exc.detail))(scope, receive, send)
            return
        replay_body = _replaying(body, receive)
        outcome: Response | _Captured | None
        try:
            admitted = await self._admit(scope, policy, body)
            if isinstance(admitted, _Keyed):
                outcome = await self._run(scope, replay_body, admitted.material, admitted.mac)
            else:
                outcome = admitted
        except (DBAPIError, PoolTimeout) as exc:
            if not errors.database_unavailable(exc):
                raise
            outcome = errors.unavailable(exc)
        if outcome is None:
            await self.app(scope, replay_body, send)
        elif isinstance(outcome, _Captured):
            await outcome.forward(send)
        else:
            await outcome(scope, receive, send)

    async def _admit(self, scope: Scope, policy: WritePolicy, body: bytes) -> Response | _Keyed | None:
        """A refusal, the key to run the request under, or None to hand the request on as it is."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            actor = await self._actor(headers)
            if policy.signed_in and actor.is_public:
                raise NotAuthenticated("sign in or present an API token", code="auth.required")
        except NotAuthenticated as refused:
            # Who is asking comes first, before the body is even parsed (FastAPI parses it before auth).
            return errors.problem(401, refused.code, refused.message, headers={"WWW-Authenticate": "Bearer"})
        scope.setdefault("state", {})[ACTOR_STATE] = actor
        if not content_type_accepted(policy.body, headers.get("content-type"), body):
            return _unsupported(policy)
        refusal = json_problem(body) if policy.body == "json" else None
        if refusal is not None or not policy.idempotent:
            return refusal
        key = headers.get(IDEMPOTENCY_HEADER.lower())
        if key is None or not valid_key(key):
            return _key_problem(key)
        material = store.KeyMaterial.derive(actor.user_id or "public", key)
        return _Keyed(material, material.request_mac(canonical_request(scope, headers, body)))

    async def _actor(self, headers: dict[str, str]) -> Actor:
        """The caller, as the route's own dependency would find it (NotAuthenticated for a bad token)."""
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return PUBLIC_ACTOR
        return await _thread(actor_for_token, self.uows, token.strip())

    async def _run(
        self, scope: Scope, receive: Receive, material: store.KeyMaterial, mac: str
    ) -> _Captured | Response:
        recorded = await _thread(self._find, material)
        if recorded is not None:
            return _replay(recorded, material, mac)
        async with self.gate():
            shared = await _thread(self.uows.shared_transaction)
            try:
                if not await _thread(store.claim, shared.connection, material, mac):
                    await _thread(shared.rollback)
                    return await self._after_lost_claim(material, mac)
                scope.setdefault("state", {})[UOWS_STATE] = shared.uows
                captured = _Captured()
                await self.app(scope, receive, captured.send)
                if 200 <= captured.status < 300:
                    await _thread(_commit_with_answer, shared, material, captured.answer())
                else:
                    await _thread(shared.rollback)
                return captured
            except BaseException:
                with anyio.CancelScope(shield=True):
                    await _thread(shared.rollback)
                raise

    async def _after_lost_claim(self, material: store.KeyMaterial, mac: str) -> Response:
        recorded = await _thread(self._find, material)
        if recorded is None:  # the other holder rolled back between our attempt and this read
            return errors.problem(
                409,
                "idempotency.in_progress",
                "a request with this key is still being processed; retry it",
                field=IDEMPOTENCY_HEADER,
                headers={"Retry-After": "1"},
            )
        return _replay(recorded, material, mac)

    def _find(self, material: store.KeyMaterial) -> store.Recorded | None:
        bind = self.uows.bind
        if isinstance(bind, Engine):
            with bind.connect() as connection:
                return store.find(connection, material)
        return store.find(bind, material)


def _commit_with_answer(
    shared: SharedTransaction, material: store.KeyMaterial, answer: store.StoredAnswer
) -> None:
    try:
        store.complete(shared.connection, material, answer)
    except BaseException:
        shared.rollback()
        raise
    shared.commit()


def _replay(recorded: store.Recorded, material: store.KeyMaterial, mac: str) -> Response:
    if not hmac.compare_digest(recorded.request_mac, mac):
        return errors.problem(
            422,
            "idempotency.key_reused",
            "this Idempotency-Key was used for a different request; use a new key for a new request",
            field=IDEMPOTENCY_HEADER,
        )
    answer = material.open(recorded.status_code, recorded.sealed)
    headers = {**answer.headers, "Idempotent-Replayed": "true"}
    media = headers.pop("content-type", None)
    return Response(answer.body, status_code=answer.status_code, headers=headers, media_type=media)


def _key_problem(key: str | None) -> Response:
    if key is None:
        return errors.problem(
            400,
            "idempotency.key_required",
            "state-changing requests need an Idempotency-Key header (a fresh UUID per intended change)",
            field=IDEMPOTENCY_HEADER,
        )
    return errors.problem(
        400,
        "idempotency.key_invalid",
        "an Idempotency-Key is 16 to 200 characters of letters, digits and ._:~+/=-",
        field=IDEMPOTENCY_HEADER,
    )


def _unsupported(policy: WritePolicy) -> Response:
    expected = {"json": "application/json", "multipart": "multipart/form-data"}.get(policy.body, "none")
    return errors.problem(
        415, "unsupported_media_type", f"this operation takes {expected}", field="Content-Type"
    )


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replaying(body: bytes, original: Receive) -> Receive:
    """Hands the app the body already read, then the client's own messages (a disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive
