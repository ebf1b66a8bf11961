"""The client's address as the throttles count it: the connecting peer, or, when that peer is one of the
configured reverse proxies (Settings.trusted_proxies), the address the proxies name in X-Forwarded-For.

The header is read right to left: each trusted proxy appends the address it saw, so the first address
from the right that is not a trusted proxy is the client; whatever the client itself wrote further left
is ignored. From an untrusted peer the header means nothing, so rotating it earns no fresh address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from fastapi import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(proxies: Sequence[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def resolve(peer: str | None, forwarded_for: list[str], networks: Sequence[Network]) -> str | None:
    """The client's address given the peer, the X-Forwarded-For headers (in order) and the proxies."""
    if peer is None or not _trusted(peer, networks):
        return peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # a proxy would not write this: count the proxy itself
    return hops[0] if hops else peer


def client_address(request: Request) -> str | None:
    networks: tuple[Network, ...] = request.app.state.trusted_proxies
    peer = request.client.host if request.client else None
    return resolve(peer, request.headers.getlist("x-forwarded-for"), networks)
