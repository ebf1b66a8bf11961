"""`POST /api/v1/federation/inbox`: a peer node pushes a package (its exact bytes) and gets this node's
signed receipt back.

No bearer token: the package's signatures under a pinned card are what authenticate it, and the same
verification and refusals as `homebound package receive` apply (each refusal code with its HTTP status
below, logged once). A plain route, outside the idempotency layer: a package is idempotent by its name
(the same package pushed again answers with its first receipt), and the body is counted against the
package limit as it arrives, never read whole first. Each client address may post a limited number of
packages a minute (and the inbox as a whole ten times that), so an open endpoint cannot flood the node's
refusal log: past the limit the answer is 429 and nothing is read or logged.
"""

from __future__ import annotations

import threading
import time
from collections import deque

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from homebound.core.errors import DomainError
from homebound.core.packages.errors import PackageRefused, Refusal
from homebound.db.uow import UnitOfWorkFactory
from homebound.services.federation.wire import receive_pushed
from homebound.web import errors
from homebound.web.numbers import is_plain_number

INBOX_PATH = "/api/v1/federation/inbox"
RECEIPT_TYPE = "application/json"
WINDOW_SECONDS = 60.0

# A refusal's HTTP status: the sender's fault in form (400), in trust (403), in address (421), in order
# (409: the pusher retries), in size (413), in content (422).
HTTP_STATUS: dict[Refusal, int] = {
    Refusal.MALFORMED: 400,
    Refusal.TRUNCATED: 400,
    Refusal.TAMPERED: 400,
    Refusal.BAD_SIGNATURE: 403,
    Refusal.UNTRUSTED_SENDER: 403,
    Refusal.NOT_ALLOWED: 403,
    Refusal.WRONG_RECIPIENT: 421,
    Refusal.REPLAY: 409,
    Refusal.OUT_OF_ORDER: 409,
    Refusal.OVERSIZED: 413,
    Refusal.UNKNOWN_KIND: 422,
    Refusal.INVALID_CONTENT: 422,
    Refusal.NOT_HANDLED: 422,
}


class InboxLimiter:
    """Sliding one-minute windows: `per_address` posts per client address, ten times that in all."""

    def __init__(self, per_address: int) -> None:
        self.per_address = per_address
        self.overall = per_address * 10
        self._seen: dict[str, deque[float]] = {}
        self._all: deque[float] = deque()
        self._lock = threading.Lock()

    def admit(self, address: str, now: float | None = None) -> bool:
        moment = time.monotonic() if now is None else now
        with self._lock:
            for window in (self._all, self._seen.setdefault(address, deque())):
                while window and window[0] <= moment - WINDOW_SECONDS:
                    window.popleft()
            if len(self._all) >= self.overall or len(self._seen[address]) >= self.per_address:
                return False
            self._all.append(moment)
            self._seen[address].append(moment)
            if len(self._seen) > 10_000:  # forget idle addresses
                for key in [k for k, v in self._seen.items() if not v]:
                    del self._seen[key]
            return True


class _TooLarge(Exception):
    pass


async def _body(request: Request, limit: int) -> bytes:
    """The body, counted as it arrives: past `limit` bytes it is not read further."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _oversized(limit: int) -> Response:
    refusal = Refusal.OVERSIZED
    detail = f"this node takes packages of at most {limit} bytes"
    return errors.problem(HTTP_STATUS[refusal], refusal.value, detail)


async def inbox(request: Request) -> Response:
    limiter: InboxLimiter = request.app.state.inbox_limiter
    limit: int = request.app.state.settings.package_max_bytes
    address = request.client.host if request.client is not None else "unknown"
    if not limiter.admit(address):
        return errors.problem(429, "inbox.rate_limited", "too many packages from this address; try later",
                              headers={"Retry-After": str(int(WINDOW_SECONDS))})  # fmt: skip
    length = request.headers.get("content-length")
    if length is not None and is_plain_number(length, digits=18) and int(length) > limit:
        return _oversized(limit)
    try:
        data = await _body(request, limit)
    except _TooLarge:
        return _oversized(limit)
    uows: UnitOfWorkFactory = request.app.state.uows
    try:
        received = await run_in_threadpool(receive_pushed, uows, data, max_bytes=limit)
    except PackageRefused as refusal:
        return errors.problem(
            HTTP_STATUS[refusal.refusal], refusal.code, refusal.message, field=refusal.field
        )
    except DomainError as error:  # a database that is no node: 409 node.not_initialised
        return errors.problem(error.status_hint, error.code, error.message, field=error.field)
    return Response(received.receipt, media_type=RECEIPT_TYPE)
