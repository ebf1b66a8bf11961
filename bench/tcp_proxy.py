"""A TCP proxy on 127.0.0.1 that can drop every connection and refuse new ones: PostgreSQL "going down"
(or its connections being cut) as the application sees it, without touching the shared server.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType


class TcpProxy:
    """Forwards 127.0.0.1:<port> to an upstream address until `cut()`; `restore()` lets clients back in."""

    _listener: socket.socket | None

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._listen()

    def _listen(self) -> None:
        threading.Thread(target=self._accept, args=(self._listener,), name="tcp-proxy", daemon=True).start()

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def cut(self) -> int:
        """Drop every open connection and stop listening (new ones are refused, as by a stopped server);
        returns how many connections were dropped.
        """
        with self._lock:
            listener, self._listener = self._listener, None
            dropped = list(self._open)
            self._open.clear()
        if listener is not None:
            _close(listener)
        for sock in dropped:
            _close(sock)
        return len(dropped) // 2

    def drop_connections(self) -> int:
        """Drop the open connections but keep accepting new ones (a network blip, a killed backend)."""
        with self._lock:
            dropped = list(self._open)
            self._open.clear()
        for sock in dropped:
            _close(sock)
        return len(dropped) // 2

    def restore(self) -> None:
        """Listen again on the same port."""
        with self._lock:
            if self._listener is not None:
                return
            self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listen()

    def close(self) -> None:
        self.cut()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed: cut() or close()
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _close(client)
                continue
            server.settimeout(None)
            for sock in (client, server):  # forward small messages at once, as the endpoints send them
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._open.update((client, server))
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, target), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            with self._lock:
                self._open.discard(source)
                self._open.discard(target)
            _close(source)
            _close(target)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
