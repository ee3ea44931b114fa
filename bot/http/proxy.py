"""The client's address and scheme behind a reverse proxy we trust (Caddy in deploy/).

`X-Forwarded-For` and `X-Forwarded-Proto` are believed only from a peer that
THAIDRAW_TRUSTED_PROXIES lists: anyone else could write them. The client is the right-most
address in `X-Forwarded-For` that is not a trusted proxy; whatever lies to the left of it was
written by the client itself.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Sequence
from typing import Any

WsgiApp = Callable[[dict[str, Any], Any], Any]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def is_trusted(address: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(peer: str, forwarded_for: str, networks: Sequence[Network]) -> str:
    """The right-most untrusted hop of `peer` and the `X-Forwarded-For` chain before it."""
    client = peer
    for hop in reversed([part.strip() for part in forwarded_for.split(",") if part.strip()]):
        if not is_trusted(client, networks):
            break
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break  # not an address: the client wrote it; keep the last hop a proxy vouched for
        client = hop
    return client


class TrustedProxies:
    """WSGI middleware: REMOTE_ADDR and the URL scheme as the trusted proxy in front saw them."""

    def __init__(self, app: WsgiApp, networks: Sequence[Network]) -> None:
        self.app = app
        self.networks = tuple(networks)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        peer = environ.get("REMOTE_ADDR", "")
        if self.networks and is_trusted(peer, self.networks):
            forwarded_for = environ.get("HTTP_X_FORWARDED_FOR", "")
            environ["REMOTE_ADDR"] = client_address(peer, forwarded_for, self.networks)
            # The nearest proxy's word (the last value) on how the client reached it.
            scheme = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
            if scheme in ("http", "https"):
                environ["wsgi.url_scheme"] = scheme
        return self.app(environ, start_response)
